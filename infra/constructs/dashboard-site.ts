import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  type ResponseCustomHeader,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { SingletonFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { dashboardSecurityHeaders, routes } from '../../shared/resources.ts';
import { type DashboardFiles, writeDashboard } from '../dashboard/build.ts';

export interface DashboardSiteProps {
  /** The dashboard's build (infra/dashboard/build.ts): each file with its content type and caching. */
  files: DashboardFiles;
  /** The HTTP API, served under its own paths (/v1/*, /health) of the same origin. */
  api: IHttpApi;
}

/** The page that loads the rest; the distribution's default root object. */
const page = '/index.html';

/** How long the distribution's access logs are kept, as long as the functions' logs. */
const accessLogDays = 30;

/**
 * The dashboard in AWS: its files in a private bucket that only the CloudFront distribution reads
 * (origin access control), and the HTTP API behind the same distribution, so that the page and the
 * API share one origin: no CORS, and the session cookie is the site's own. Every response carries the
 * security headers of `dashboardSecurityHeaders`.
 */
export class DashboardSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, { files, api }: DashboardSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the distribution reads this bucket (origin access control), and its access logs record every request; the only writer is the stack’s own deployment.',
    });

    // CloudFront's standard logs are delivered with an ACL, which the bucket must allow.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(accessLogDays) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'It holds the distribution’s access logs; logging access to it would need yet another bucket and record only CloudFront’s log delivery.',
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Muster dashboard: dashboardSecurityHeaders of shared/resources.ts',
      ...securityHeaders(),
    });
    const apiOrigin = new HttpOrigin(Fn.select(2, Fn.split('/', api.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    // Never cached, every method, and everything of the request but the Host (API Gateway answers
    // only to its own): cookies, the query string, Authorization and X-CSRF-Token. A key sent over
    // plain HTTP is refused, not redirected.
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Muster dashboard and API',
      defaultRootObject: page.slice(1),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: Object.fromEntries(apiPathPatterns().map((pattern) => [pattern, apiBehavior])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: accessLogs,
      // Session cookies stay out of the logs.
      logIncludesCookies: false,
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Muster’s users are an organization’s engineers wherever they work; access is decided by Muster’s keys and sessions, not by country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The site is static files; API Gateway throttles the API and its routes authenticate with Muster’s keys and sessions. A WAF web ACL costs $5 a month and $1 a rule whether used or not, more than the rest of Muster at rest.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The site is served on its *.cloudfront.net name, which only CloudFront’s default certificate covers, and with it CloudFront sets the minimum TLS version; choosing TLSv1.2_2021 needs a custom domain and its ACM certificate, which Muster does not have.',
      },
    );

    this.deploy(files);
  }

  /** https://<the distribution's domain>: the dashboard, and the API under /v1. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the build with each file's content type and Cache-Control: the hashed assets first, by
   * kind, then the page that names them, invalidated in the distribution. Nothing is pruned, so a page
   * loaded before a deploy still finds its assets.
   */
  private deploy(files: DashboardFiles): void {
    if (!files.has(page)) throw new Error(`the dashboard build has no ${page}`);
    const logGroup = new LogGroup(this, 'DeploymentLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'DeploymentRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const groups = new Map<string, DashboardFiles>();
    for (const [path, file] of files) {
      const key = path === page ? page : `${file.contentType}\n${file.cacheControl}`;
      groups.set(key, (groups.get(key) ?? new Map()).set(path, file));
    }
    const pageFiles = groups.get(page)!;
    groups.delete(page);
    const assets = [...groups.values()].map((group, index) =>
      this.deployment(`Assets${index + 1}`, group, { role, logGroup }),
    );
    const pageDeployment = this.deployment('Page', pageFiles, {
      role,
      logGroup,
      // The default root object is cached under / as well as under its own name.
      invalidate: ['/', page],
    });
    for (const asset of assets) pageDeployment.node.addDependency(asset);

    // aws-s3-deployment runs every BucketDeployment with one Lambda function of the stack's.
    const handler = pageDeployment.node.findChild('CustomResourceHandler') as SingletonFunction;
    Validations.of(Stack.of(this).node.findChild(handler.constructName)).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'aws-s3-deployment chooses its handler’s runtime (Python with the AWS CLI layer), which moves with aws-cdk-lib; it runs only during deploys.',
    });

    const bucketId = logicalId(this.bucket);
    Validations.of(role).acknowledge(
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'The actions aws-s3-deployment grants to sync a build: on the CDK assets bucket (read) and on this site’s bucket (read and write) only.',
      })),
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason:
          'The deployment writes the build’s files, named by their content hash, into this site’s bucket.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason: 'The build is read from the CDK bootstrap assets bucket, where cdk deploy uploaded it.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'aws-s3-deployment grants cloudfront:CreateInvalidation and GetInvalidation on *; CloudFront invalidations have no narrower resource in that construct.',
      },
    );
  }

  private deployment(
    id: string,
    files: DashboardFiles,
    options: { role: Role; logGroup: LogGroup; invalidate?: string[] },
  ): BucketDeployment {
    const [file] = files.values();
    const directory = mkdtempSync(join(tmpdir(), 'muster-dashboard-'));
    writeDashboard(files, directory);
    const deployment = new BucketDeployment(this, id, {
      sources: [Source.asset(directory)],
      destinationBucket: this.bucket,
      contentType: file!.contentType,
      cacheControl: [CacheControl.fromString(file!.cacheControl)],
      prune: false,
      role: options.role,
      logGroup: options.logGroup,
      ...(options.invalidate
        ? { distribution: this.distribution, distributionPaths: options.invalidate }
        : {}),
    });
    return deployment;
  }
}

/**
 * The path patterns of the API: one per first segment of the shared routes (`/v1/*`, `/health`).
 * Everything else is the site's.
 */
export function apiPathPatterns(): string[] {
  return [
    ...new Set(
      routes.map(({ path }) => {
        const [, first, ...rest] = path.split('/');
        return rest.length > 0 ? `/${first}/*` : `/${first}`;
      }),
    ),
  ];
}

type SecurityHeaderName = keyof typeof dashboardSecurityHeaders;

/**
 * `dashboardSecurityHeaders` as a response headers policy: the headers CloudFront knows as security
 * headers in securityHeadersBehavior, the rest as custom headers, each overriding what the origin sent.
 * A value CloudFront cannot express fails the synthesis rather than being changed.
 */
function securityHeaders(): {
  securityHeadersBehavior: ResponseSecurityHeadersBehavior;
  customHeadersBehavior: { customHeaders: ResponseCustomHeader[] };
} {
  const security: ResponseSecurityHeadersBehavior = {};
  const custom: ResponseCustomHeader[] = [];
  const mapped: Partial<
    Record<SecurityHeaderName, (value: string) => Partial<ResponseSecurityHeadersBehavior>>
  > = {
    'content-security-policy': (value) => ({
      contentSecurityPolicy: { contentSecurityPolicy: value, override: true },
    }),
    'strict-transport-security': (value) => ({ strictTransportSecurity: strictTransportSecurity(value) }),
    'x-content-type-options': (value) => {
      if (value !== 'nosniff') throw unexpressible('x-content-type-options', value);
      return { contentTypeOptions: { override: true } };
    },
    'x-frame-options': (value) => ({
      frameOptions: { frameOption: enumValue(HeadersFrameOption, 'x-frame-options', value), override: true },
    }),
    'referrer-policy': (value) => ({
      referrerPolicy: {
        referrerPolicy: enumValue(HeadersReferrerPolicy, 'referrer-policy', value),
        override: true,
      },
    }),
  };
  for (const [name, value] of Object.entries(dashboardSecurityHeaders) as [SecurityHeaderName, string][]) {
    const map = mapped[name];
    if (map) Object.assign(security, map(value));
    else custom.push({ header: name, value, override: true });
  }
  return { securityHeadersBehavior: security, customHeadersBehavior: { customHeaders: custom } };
}

function strictTransportSecurity(value: string): ResponseSecurityHeadersBehavior['strictTransportSecurity'] {
  const directives = value
    .split(';')
    .map((directive) => directive.trim().toLowerCase())
    .filter(Boolean);
  const maxAge = /^max-age=(\d+)$/.exec(directives.find((d) => d.startsWith('max-age=')) ?? '')?.[1];
  const known = (directive: string) =>
    directive.startsWith('max-age=') || directive === 'includesubdomains' || directive === 'preload';
  if (maxAge === undefined || !directives.every(known)) {
    throw unexpressible('strict-transport-security', value);
  }
  return {
    accessControlMaxAge: Duration.seconds(Number(maxAge)),
    includeSubdomains: directives.includes('includesubdomains'),
    preload: directives.includes('preload'),
    override: true,
  };
}

function enumValue<T extends string>(values: Record<string, T>, header: string, value: string): T {
  const match = Object.values(values).find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!match) throw unexpressible(header, value);
  return match;
}

const unexpressible = (header: string, value: string) =>
  new Error(`${header}: ${value} cannot be set by a CloudFront response headers policy`);

/** The logical id of a construct's CloudFormation resource, as cdk-nag names it in a finding. */
function logicalId(construct: Construct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}
