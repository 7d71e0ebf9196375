import { callerRolePolicy } from '../lambda/core/kvs-policies';
import { ADMIN_PRINCIPAL_ARN, type LocalAws } from './aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants';

const SCOPE = { partition: 'aws', region: LOCAL_REGION, account: LOCAL_ACCOUNT };
export const CALLER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sightline-caller`;
export const PHOTOS_BUCKET = 'sightline-local-photos';
/** On AWS the cleanup runs every 5 minutes; locally more often, so expiry is quick to see. */
export const EXPIRE_INVITES_EVERY_MS = 30_000;

/**
 * What "show me" needs from the emulated AWS, as the CDK defines it: the caller role (master of
 * invite channels only), the photos bucket with CORS for the web origin, and the handlers'
 * configuration (the same variables the CDK sets).
 */
export function setUpShowMe(aws: LocalAws, origin: string): void {
  aws.registerRole({
    arn: CALLER_ROLE_ARN,
    policy: callerRolePolicy(SCOPE),
    trustedPrincipals: [ADMIN_PRINCIPAL_ARN],
  });
  aws.createBucket({ name: PHOTOS_BUCKET, corsOrigins: [origin] });
  Object.assign(process.env, {
    CALLER_ROLE_ARN,
    PHOTOS_BUCKET,
    PHOTO_RETENTION_CLASSES: '7,30,90',
    WEB_URL: origin,
    SMS_CONFIGURATION_SET: 'sightline-local',
    SMS_MAX_PRICE: '0.50',
    AWS_ENDPOINT_URL_S3: aws.endpoints.s3,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: aws.endpoints['pinpoint-sms-voice-v2'],
  });
}

/**
 * Runs the `expire-invites` handler on a timer, as the schedule does on AWS. Returns the stopper.
 * A run never overlaps the previous one.
 */
export function scheduleInviteExpiry(
  log: (line: string) => void,
  everyMs = EXPIRE_INVITES_EVERY_MS,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    import('../lambda/handlers/expire-invites')
      .then((mod) => mod.handler())
      .catch((err: Error) => log(`expire-invites failed: ${err.stack ?? err.message}`))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
