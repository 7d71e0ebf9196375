/**
 * The cfn-guard rules (AWS Control Tower's proactive controls, as shipped by
 * @cdklabs/cdk-validator-cfnguard) that Sightline's template fails on purpose, each with why, as
 * the cdk-nag suppressions are. A violation not covered here fails `npm test`; so does an entry
 * that no longer matches anything, so the list cannot outlive its reasons.
 */
export interface GuardAcceptance {
  /** The rule's name, as cfn-guard reports it. */
  readonly rule: string;
  /** Which resources: all of a type, or logical ids matching a pattern. */
  readonly where: { readonly type: string } | { readonly id: RegExp };
  readonly reason: string;
}

const NO_CUSTOM_DOMAIN =
  'No custom domain yet: the default *.cloudfront.net certificate takes no custom certificate, SNI setting or minimum TLS version (as the AwsSolutions-CFR4 suppression says). Viewers still get HTTPS only.';

export const GUARD_BASELINE: readonly GuardAcceptance[] = [
  {
    rule: 'api_gw_xray_enabled_check',
    where: { type: 'AWS::ApiGateway::Stage' },
    reason:
      'Tracing is off everywhere (functions too): X-Ray is billed per trace, and the access and execution logs, metrics and alarms cover the API. Tracing is to be turned on for the API and functions together, deliberately.',
  },
  {
    rule: 'cloudfront_origin_failover_enabled_check',
    where: { type: 'AWS::CloudFront::Distribution' },
    reason:
      'One S3 origin in the stack region; a failover origin needs a bucket replicated to a second region, which the single-region design does not have (the API and video are in that region anyway).',
  },
  {
    rule: 'cloudfront_custom_ssl_certificate_check',
    where: { type: 'AWS::CloudFront::Distribution' },
    reason: NO_CUSTOM_DOMAIN,
  },
  {
    rule: 'cloudfront_sni_enabled_check',
    where: { type: 'AWS::CloudFront::Distribution' },
    reason: NO_CUSTOM_DOMAIN,
  },
  {
    rule: 'cloudfront_security_policy_check',
    where: { type: 'AWS::CloudFront::Distribution' },
    reason: NO_CUSTOM_DOMAIN,
  },
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    where: { type: 'AWS::Logs::LogGroup' },
    reason:
      "Logs are kept `logRetentionDays` (90 by default), a choice of each deployment: they carry callers' addresses, kept no longer than needed. A deployment that must keep a year sets 365.",
  },
  {
    rule: 'cloudwatch_log_group_encrypted_check',
    where: { type: 'AWS::Logs::LogGroup' },
    reason:
      'CloudWatch Logs encrypts every log group at rest with keys it manages; a customer KMS key would add cost and key management without keeping out any reader the account does not already trust.',
  },
  {
    rule: 'lambda_function_public_access_prohibited_check',
    where: { type: 'AWS::Lambda::Permission' },
    reason:
      "API Gateway's invoke permissions: each names the API's own execution ARN for its method (SourceArn, which carries this account), as the CDK writes them; the rule wants a SourceAccount condition beside it.",
  },
  {
    rule: 'lambda_inside_vpc_check',
    where: { type: 'AWS::Lambda::Function' },
    reason:
      'The functions reach only AWS service endpoints (DynamoDB, STS, KVS, IoT, SMS, S3) and nothing in a network; a VPC would add NAT or endpoint costs and cold-start latency and isolate nothing.',
  },
  {
    rule: 's3_bucket_default_encryption_kms_check',
    where: { type: 'AWS::S3::Bucket' },
    reason:
      "Encrypted with S3-managed keys (SSE-S3); photos are reached only through URLs presigned by the handlers' roles, so a KMS key would add per-request cost and no reader control IAM does not already give.",
  },
  {
    rule: 's3_bucket_versioning_enabled_check',
    where: { type: 'AWS::S3::Bucket' },
    reason:
      'Versions would keep what must go: photos past their retention class, and old site files; the site is redeployed from the CDK asset, and logs are written by the services alone.',
  },
  {
    rule: 's3_bucket_logging_enabled_check',
    where: { id: /^WebLogsBucket/ },
    reason:
      'It is the access-log bucket; logging it into itself would loop (as the AwsSolutions-S1 suppression says).',
  },
  {
    rule: 's3_event_notifications_enabled_check',
    where: { type: 'AWS::S3::Bucket' },
    reason:
      "No consumer of bucket events: a caller's photo is found when the dispatcher's view checks the bucket, and the others only serve or receive logs.",
  },
  {
    rule: 's3_lifecycle_policy_check',
    where: { id: /^WebSiteBucket/ },
    reason:
      'The site bucket holds the current web client only; each deployment prunes the files it no longer has.',
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    where: { type: 'AWS::S3::Bucket' },
    reason:
      'Object Lock would stop retention classes from deleting photos on time and `cdk destroy` from emptying the buckets.',
  },
  {
    rule: 'sqs_dlq_check',
    where: { id: /^OperationsDeadLetters/ },
    reason: "This queue is the dead-letter queue itself (of the IoT rules' functions).",
  },
];
