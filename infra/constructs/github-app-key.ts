import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { MusterFunction } from './muster-function.ts';

/**
 * Where the GitHub App's private key is kept. GitHub makes the key (a PEM file, downloaded once); the
 * operator puts it into this secret after the first deploy, and the functions that call GitHub read it.
 */
export class GitHubAppKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'PrivateKey', {
      description:
        'Private key (PEM) of the GitHub App that comments on pull requests and creates check runs',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'GitHub issues the App’s private keys; it is rotated there (generate a new key, put it here, delete the old one in GitHub), which a rotation Lambda cannot do.',
    });
  }

  allowRead(handler: MusterFunction): void {
    this.secret.grantRead(handler.function);
    handler.function.addEnvironment('GITHUB_PRIVATE_KEY_SECRET', this.secret.secretArn);
  }
}
