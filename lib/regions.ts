/**
 * Where Sightline can run: the regions that have every service the stack needs. A region missing
 * one would fail `cdk deploy` midway (CloudFormation rejects a resource type it does not have in
 * that region), so `cdk synth` refuses it first, with this list.
 *
 * Where the facts come from (AWS's public pages; check them again when adding a region):
 * - KVS WebRTC signaling: the Kinesis Video Streams WebRTC regions in the "Amazon Kinesis Video
 *   Streams endpoints and quotas" page of the AWS General Reference.
 * - IoT fleet provisioning: the CloudFormation resource types this stack declares
 *   (`AWS::IoT::ProvisioningTemplate`, `AWS::IoT::RoleAlias`, `AWS::IoT::ThingType`, ...) as listed
 *   per region in the CloudFormation resource specification; af-south-1 lacks some of them.
 * - End User Messaging SMS: the `AWS::SMSVOICE::*` types (configuration set, protect
 *   configuration) in the same per-region specification; ap-east-1 and ap-southeast-5 lack them.
 * - CloudFront log delivery: "Choosing an Amazon S3 bucket for your standard logs" in the
 *   CloudFront developer guide, which lists the regions whose buckets CloudFront does not deliver
 *   standard logs to (the access-log bucket is in the stack's region).
 * Facts as of the synth-time check's writing (2026); a region AWS adds later is refused until it
 * is listed here.
 */

/** A service the stack cannot do without. */
export type RequiredService = 'kvsWebRtc' | 'iotFleetProvisioning' | 'smsVoice' | 'cloudFrontLogs';

export const SERVICE_NAMES: Readonly<Record<RequiredService, string>> = {
  kvsWebRtc: 'Kinesis Video Streams WebRTC signaling',
  iotFleetProvisioning: 'AWS IoT fleet provisioning (its CloudFormation types)',
  smsVoice: 'AWS End User Messaging SMS (its CloudFormation types)',
  cloudFrontLogs: 'CloudFront standard log delivery to an S3 bucket in the region',
};

/** The regions with KVS WebRTC signaling: the candidates, since video is the product. */
const KVS_WEBRTC_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-5',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
] as const;

/** What each of those regions lacks of the other services. */
const GAPS: Readonly<Partial<Record<string, readonly RequiredService[]>>> = {
  'af-south-1': ['iotFleetProvisioning', 'cloudFrontLogs'],
  'ap-east-1': ['smsVoice', 'cloudFrontLogs'],
  'ap-southeast-5': ['smsVoice'],
};

/** The services `region` lacks, none when Sightline can run there. */
export function missingServices(region: string): RequiredService[] {
  if (!(KVS_WEBRTC_REGIONS as readonly string[]).includes(region)) return ['kvsWebRtc'];
  return [...(GAPS[region] ?? [])];
}

/** Every region Sightline can run in. */
export function supportedRegions(): string[] {
  return KVS_WEBRTC_REGIONS.filter((r) => missingServices(r).length === 0);
}

/** Why Sightline cannot run in `region`, or null when it can. */
export function regionProblem(region: string): string | null {
  const missing = missingServices(region);
  if (missing.length === 0) return null;
  return (
    `"region" ${region} lacks ${missing.map((s) => SERVICE_NAMES[s]).join(', ')}. ` +
    `Sightline runs in: ${supportedRegions().join(', ')}`
  );
}
