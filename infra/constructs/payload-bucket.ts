import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { payloadBucket, reportUploads } from '../../shared/resources.ts';
import type { MusterFunction } from './muster-function.ts';

/** Where large queue messages wait as claim checks: private, encrypted, expiring on their own. */
export class PayloadBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [
        { expiration: Duration.days(payloadBucket.expirationDays) },
        // A scan report uploaded by CI is read once, within minutes of its upload.
        { prefix: `${reportUploads.prefix}/`, expiration: Duration.days(reportUploads.expirationDays) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Transient message bodies that only Muster’s own functions write and read, each expiring in 15 days; access logs would record nothing the queues’ metrics do not.',
    });
  }

  /**
   * The function may write or read the objects under one prefix: a queue's claim checks (its producers
   * write, its consumer reads), the lookup's CSV exports, or CI's uploads of scan reports.
   */
  allow(handler: MusterFunction, access: 'write' | 'read', prefix: string): void {
    handler.function.addToRolePolicy(
      new PolicyStatement({
        actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'],
        resources: [this.bucket.arnForObjects(`${prefix}/*`)],
      }),
    );
    handler.function.addEnvironment(payloadBucket.envVariable, this.bucket.bucketName);
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(handler.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}/*]`,
      reason:
        'Objects are named at run time (claim checks by message id, exports by a random id); the grant covers only this prefix.',
    });
  }
}
