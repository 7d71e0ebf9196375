import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  type IBucket,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

/** Photos live under `invites/<inviteId>/<photoId>`; nothing else is written to the bucket. */
export const PHOTOS_PREFIX = 'invites/';

/**
 * The object tag that picks a photo's retention class. The upload's presigned POST pins its value
 * (one of `PHOTO_RETENTION_CLASSES`), so a caller cannot choose it.
 */
export const PHOTO_RETENTION_TAG = 'retention-days';

export interface PhotosBucketProps {
  /** The deployment's stage: part of the bucket's name. */
  readonly stage: string;
  /** The stack's region, a plain string: part of the bucket's name and its endpoint. */
  readonly region: string;
  /** The retention classes in days; the longest is the ceiling for every photo. */
  readonly retentionDays: readonly number[];
  /** Receives the bucket's server access logs. */
  readonly accessLogsBucket: IBucket;
  /**
   * Keep the bucket and its photos when the stack is destroyed.
   * @default false
   */
  readonly retainData?: boolean;
}

/**
 * The bucket's name, known before the bucket exists: the web pages' CSP names the bucket's
 * origin, and the bucket's CORS names the pages' origin, so one of the two must be a plain name
 * or the stack would be a cycle. Account and region keep it unique; the stage keeps stages apart.
 * `account` may be the stack's account token (`cdk synth` without an account).
 */
export function photosBucketName(stage: string, region: string, account: string): string {
  // 63 characters at most: the account is 12 digits.
  if (`sightline-${stage}-photos-123456789012-${region}`.length > 63) {
    throw new Error(`Stage "${stage}" is too long for the photos bucket's name in ${region}`);
  }
  return `sightline-${stage}-photos-${account}-${region}`;
}

/** The origin browsers post photos to and fetch them from (virtual-hosted style, as the SDK signs). */
export function photosBucketOrigin(stage: string, region: string, account: string): string {
  const suffix = RegionInfo.get(region).domainSuffix ?? 'amazonaws.com';
  return `https://${photosBucketName(stage, region, account)}.s3.${region}.${suffix}`;
}

/**
 * Caller photos (docs/design.md §3): private, encrypted, TLS only, access-logged, expired by retention
 * class, and reachable from browsers only through presigned POST (caller) and GET (dispatcher)
 * made by the handlers.
 *
 * Encryption is SSE-S3, not KMS: every read and write goes through a presigned request signed by
 * one of two handler roles, so a KMS key would add no second gate (the signer's role would need
 * the key too), only a KMS call per photo and its cost; S3 data events can audit reads either way.
 *
 * Versioning is off: each photo is written once under a fresh key, and retention must really
 * delete; versions would keep deleted photos as noncurrent versions beyond their retention.
 */
export class PhotosBucket extends Construct {
  public readonly bucket: Bucket;
  /** The retention classes in days, shortest first. */
  public readonly retentionDays: readonly number[];

  constructor(scope: Construct, id: string, props: PhotosBucketProps) {
    super(scope, id);
    const retain = props.retainData ?? false;
    this.retentionDays = [...props.retentionDays].sort((a, b) => a - b);
    const ceiling = this.retentionDays[this.retentionDays.length - 1];
    if (ceiling === undefined) throw new Error('PhotosBucket needs at least one retention class');

    // S3 honours the shortest of overlapping expirations, so a tagged photo goes at its class and
    // an untagged one (or one with an unknown tag value) at the ceiling.
    const lifecycleRules: LifecycleRule[] = [
      {
        id: 'photos-ceiling',
        prefix: PHOTOS_PREFIX,
        expiration: Duration.days(ceiling),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
      ...this.retentionDays
        .filter((days) => days !== ceiling)
        .map((days): LifecycleRule => ({
          id: `photos-${days}-days`,
          prefix: PHOTOS_PREFIX,
          tagFilters: { [PHOTO_RETENTION_TAG]: String(days) },
          expiration: Duration.days(days),
        })),
    ];

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: photosBucketName(props.stage, props.region, Stack.of(this).account),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'photos-bucket/',
      lifecycleRules,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !retain,
    });
  }

  /**
   * Lets the web origin post photos (the caller's page, by presigned POST) and fetch them (the
   * dispatcher's photowall, which checks each photo's SHA-256). Neither needs a non-simple header,
   * so no header is allowed.
   */
  public allowBrowsersFrom(webOrigin: string): void {
    this.bucket.addCorsRule({
      allowedOrigins: [webOrigin],
      allowedMethods: [HttpMethods.POST, HttpMethods.GET],
      maxAge: 3600,
    });
  }
}
