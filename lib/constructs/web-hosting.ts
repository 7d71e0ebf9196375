import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, CfnResource, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type ResponseCustomHeader,
  type ResponseSecurityHeadersBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, CfnBucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source, type ISource } from 'aws-cdk-lib/aws-s3-deployment';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { NagSuppressions } from 'cdk-nag';
import { Construct, type IConstruct } from 'constructs';
import type { WebConfig } from '../../lambda/contract/types';
import { securityHeaders, type SecurityHeaderOptions } from '../../web-client/security-headers';
import type { LogRetentionDays } from '../config';

const REPO_ROOT = join(__dirname, '..', '..');

export interface WebHostingProps {
  /** The region of the API, Cognito and KVS endpoints the page connects to (its CSP). */
  readonly region: string;
  /** How long S3 and CloudFront access logs, and the deployment's logs, are kept. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * Keep the buckets and logs when the stack is destroyed. When false the buckets are emptied
   * and deleted with the stack.
   * @default false
   */
  readonly retainData?: boolean;
  /**
   * The web client's sources; `<dir>/build.ts --outdir <out>` builds it.
   * @default <repo>/web-client
   */
  readonly webClientDir?: string;
  /**
   * Origins the page may connect to besides the API, Cognito and KVS of `region`.
   * @default []
   */
  readonly extraConnectSrc?: string[];
}

/** The path prefix of the caller's ("show me") page: `<webUrl>/c/#<token>` (docs/design.md §3). */
export const CITIZEN_PATH = '/c/*';

/**
 * The web client: a private S3 bucket behind CloudFront (origin access control), with strict
 * security headers, SPA routing, access logs, and `config.json` written at deploy from the
 * stack's own values.
 */
export class WebHosting extends Construct {
  /** Holds the built web client and `config.json`. Private: only CloudFront reads it. */
  public readonly bucket: Bucket;
  /** Receives the site bucket's server access logs and CloudFront's access logs. */
  public readonly logsBucket: Bucket;
  public readonly distribution: Distribution;
  /** Security headers of every page except the caller's. */
  public readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** The caller's page: the same headers, plus camera, microphone and geolocation. */
  public readonly citizenResponseHeadersPolicy: ResponseHeadersPolicy;
  /** The site's origin, `https://<distribution domain>`. */
  public readonly url: string;
  /** Uploads the site; set by `publish`. */
  public deployment?: BucketDeployment;
  /** The log group of the CDK's bucket-emptying Lambda, when buckets are emptied on destroy. */
  private autoDeleteLogs?: LogGroup;

  private readonly props: WebHostingProps;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    this.props = props;
    const retain = props.retainData ?? false;
    const removal = {
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !retain,
    };

    this.logsBucket = new Bucket(this, 'LogsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront standard logging delivers with an object ACL, so ACLs must stay enabled here.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays) }],
      ...removal,
    });
    NagSuppressions.addResourceSuppressions(this.logsBucket, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket; logging it into itself would loop.' },
    ]);

    this.bucket = new Bucket(this, 'SiteBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      ...removal,
    });

    // The API, Cognito and KVS hosts by wildcard: naming the API's own host would make the
    // distribution depend on the API, whose CORS already depends on the distribution.
    const suffix = RegionInfo.get(props.region).domainSuffix ?? 'amazonaws.com';
    const connectSrc = [
      `https://*.execute-api.${props.region}.${suffix}`,
      `https://cognito-idp.${props.region}.${suffix}`,
      `wss://*.kinesisvideo.${props.region}.${suffix}`,
      `https://*.kinesisvideo.${props.region}.${suffix}`,
      ...(props.extraConnectSrc ?? []),
    ];
    // CloudFront's policy and origin access control names are account-wide, and the CDK's default
    // names come from the construct path alone: the same stack in two regions would collide.
    const uniqueName = (what: string) => `${Stack.of(this).stackName}-${props.region}-${what}`;
    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: uniqueName('security-headers'),
      comment: 'Sightline: strict CSP, HSTS, no framing, no powerful features',
      ...headersPolicyProps({ connectSrc }),
    });
    this.citizenResponseHeadersPolicy = new ResponseHeadersPolicy(this, 'CitizenSecurityHeaders', {
      responseHeadersPolicyName: uniqueName('citizen-security-headers'),
      comment: 'Sightline caller page: as the others, plus camera, microphone and location (self)',
      ...headersPolicyProps({ connectSrc, allow: ['camera', 'microphone', 'geolocation'] }),
    });

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessControl: new S3OriginAccessControl(this, 'OriginAccessControl', {
        originAccessControlName: uniqueName('site'),
        signing: Signing.SIGV4_ALWAYS,
      }),
    });
    const behavior: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      compress: true,
      responseHeadersPolicy: this.responseHeadersPolicy,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Sightline web client',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: behavior,
      additionalBehaviors: {
        // The caller's page gets its own headers. Its paths are rewritten to /c/index.html here
        // rather than through the 403/404 fallback, so the response is surely this behaviour's.
        [CITIZEN_PATH]: {
          ...behavior,
          responseHeadersPolicy: this.citizenResponseHeadersPolicy,
          functionAssociations: [
            { eventType: FunctionEventType.VIEWER_REQUEST, function: this.spaRewrite() },
          ],
        },
      },
      // SPA routing: a path that is not a file is the app. Without ListBucket, S3 answers a
      // missing key with 403, so both statuses fall back.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain yet: the default *.cloudfront.net certificate cannot be given a minimum TLS version. Viewers still get HTTPS only.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Owners and callers may be anywhere; emergency video must not be blocked by country.',
      },
    ]);

    this.url = `https://${this.distribution.distributionDomainName}`;

    if (!retain) this.ownAutoDeleteLogs(props.logRetentionDays);
  }

  /**
   * The CDK's auto-delete-objects Lambda runs when the stack is destroyed, and Lambda would then
   * create its log group itself, outside the stack, to outlive it. Owning that group, and deleting
   * it only after the buckets' custom resources have run, leaves nothing behind.
   */
  private ownAutoDeleteLogs(logRetentionDays: LogRetentionDays): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler');
    if (!(handler instanceof CfnResource)) return;
    const logGroup = new LogGroup(this, 'AutoDeleteObjectsLogs', {
      logGroupName: `/aws/lambda/${handler.ref}`,
      retention: logRetentionDays as RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.autoDeleteLogs = logGroup;
    for (const bucket of [this.bucket, this.logsBucket]) this.emptiesBeforeItsLogs(bucket);
  }

  /**
   * Makes another bucket of the stack that is emptied on destroy (autoDeleteObjects) run its
   * emptying before the emptying Lambda's log group goes, as the site's buckets do.
   */
  public emptiesBeforeItsLogs(bucket: IConstruct): void {
    if (!this.autoDeleteLogs) return;
    bucket.node.tryFindChild('AutoDeleteObjectsCustomResource')?.node.addDependency(this.autoDeleteLogs);
  }

  /**
   * Uploads the built web client and its `config.json` (the given values plus this site's URL),
   * then invalidates CloudFront so the new version is served at once.
   */
  public publish(config: Omit<WebConfig, 'webUrl'>): BucketDeployment {
    if (this.deployment) throw new Error('WebHosting.publish may be called once');
    const retain = this.props.retainData ?? false;
    const webConfig: WebConfig = { ...config, webUrl: this.url };
    const logGroup = new LogGroup(this, 'DeploymentLogs', {
      retention: this.props.logRetentionDays as RetentionDays,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.deployment = new BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [this.webClientSource(), Source.jsonData('config.json', webConfig)],
      distribution: this.distribution,
      // The bundles have content-hashed names (web-client/build.ts), so only the two files
      // whose names stay the same can be stale.
      distributionPaths: ['/index.html', '/c/index.html', '/config.json'],
      // Source maps stay private: in the CDK's asset, never on the public site. A `//#
      // sourceMappingURL` then finds nothing there, which browsers ignore.
      exclude: ['*.map'],
      // Browsers revalidate every time (a cheap 304); CloudFront keeps a copy until the next
      // deployment's invalidation, at most a day.
      cacheControl: [CacheControl.fromString('public, max-age=0, s-maxage=86400')],
      memoryLimit: 512,
      logGroup,
    });

    // The deployment's Lambda is a CDK-provided singleton; its role and runtime are the CDK's.
    const handler = this.deployment.handlerRole.node.scope;
    const siteBucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    if (handler) {
      NagSuppressions.addResourceSuppressions(
        handler,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason:
              'CDK BucketDeployment singleton: its role uses AWSLambdaBasicExecutionRole for its own logs.',
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            ],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              "CDK BucketDeployment singleton: it syncs every object of the CDK asset into the site bucket (object wildcards, s3:*Object* action groups). Its invalidation statement is on * as CDK writes it, although CreateInvalidation accepts a distribution ARN; narrowing it means rewriting the singleton's policy, which the IAM audit will do.",
            appliesTo: [
              'Action::s3:GetObject*',
              'Action::s3:GetBucket*',
              'Action::s3:List*',
              'Action::s3:DeleteObject*',
              'Action::s3:Abort*',
              {
                regex:
                  '/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):s3:::cdk-[a-z0-9]+-assets-(<AWS::AccountId>|\\d{12})-[a-z0-9-]+\\/\\*$/',
              },
              `Resource::<${siteBucketId}.Arn>/*`,
              'Resource::*',
            ],
          },
          {
            id: 'AwsSolutions-L1',
            reason: 'CDK BucketDeployment singleton: its runtime is chosen by aws-cdk-lib.',
          },
        ],
        true,
      );
    }
    return this.deployment;
  }

  /**
   * The web client, built at synth on this machine by `web-client/build.ts` (no Docker: the
   * image below is never pulled). The hash is taken of the output because the build also reads
   * the shared contract outside `web-client/`.
   */
  private webClientSource(): ISource {
    const dir = this.props.webClientDir ?? join(REPO_ROOT, 'web-client');
    const buildScript = join(dir, 'build.ts');
    const tsxCli = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    return Source.asset(dir, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('scratch'),
        local: {
          tryBundle(outputDir: string): boolean {
            if (!existsSync(buildScript))
              throw new Error(`Cannot build the web client: ${buildScript} is missing`);
            // The build's output goes to stderr so it never mixes with a template on stdout.
            execFileSync(process.execPath, [tsxCli, buildScript, '--outdir', outputDir], {
              cwd: REPO_ROOT,
              stdio: ['ignore', 2, 2],
            });
            return true;
          },
        },
      },
    });
  }

  /** Serves the caller's page for any path under its prefix that is not a file (`/c/` itself). */
  private spaRewrite(): CloudFrontFunction {
    return new CloudFrontFunction(this, 'CitizenRewrite', {
      comment: 'Serve /c/index.html for the caller page paths',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.split('/').pop();",
          "  if (last.indexOf('.') === -1) request.uri = '/c/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
  }
}

/**
 * A CloudFront response headers policy carrying exactly the headers of `securityHeaders()`, the
 * same function the local cloud serves them from. Headers CloudFront models itself go into its
 * security-headers behaviour; the rest become custom headers.
 */
export function headersPolicyProps(options: SecurityHeaderOptions): {
  securityHeadersBehavior: ResponseSecurityHeadersBehavior;
  customHeadersBehavior: { customHeaders: ResponseCustomHeader[] };
} {
  const security: Record<string, unknown> = {};
  const customHeaders: ResponseCustomHeader[] = [];
  for (const [header, value] of Object.entries(securityHeaders(options))) {
    switch (header.toLowerCase()) {
      case 'content-security-policy':
        security.contentSecurityPolicy = { contentSecurityPolicy: value, override: true };
        break;
      case 'strict-transport-security': {
        const maxAge = /max-age=(\d+)/i.exec(value);
        if (!maxAge) throw new Error(`Cannot read max-age from Strict-Transport-Security: ${value}`);
        security.strictTransportSecurity = {
          accessControlMaxAge: Duration.seconds(Number(maxAge[1])),
          includeSubdomains: /includeSubDomains/i.test(value),
          preload: /preload/i.test(value),
          override: true,
        };
        break;
      }
      case 'referrer-policy': {
        const policy = Object.values(HeadersReferrerPolicy).find((p) => p === value);
        if (!policy) throw new Error(`CloudFront has no Referrer-Policy ${value}`);
        security.referrerPolicy = { referrerPolicy: policy, override: true };
        break;
      }
      case 'x-frame-options': {
        const option = Object.values(HeadersFrameOption).find((o) => o === value.toUpperCase());
        if (!option) throw new Error(`CloudFront has no X-Frame-Options ${value}`);
        security.frameOptions = { frameOption: option, override: true };
        break;
      }
      case 'x-content-type-options':
        if (value !== 'nosniff') throw new Error(`X-Content-Type-Options must be nosniff, not ${value}`);
        security.contentTypeOptions = { override: true };
        break;
      default:
        customHeaders.push({ header, value, override: true });
    }
  }
  return {
    securityHeadersBehavior: security as ResponseSecurityHeadersBehavior,
    customHeadersBehavior: { customHeaders },
  };
}
