import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { DeviceRegisteredEvent } from '../contract/iot-events';
import { getDevice, recordCertificate, recordChannel, serialOfThing } from '../core/devices';
import { ensureDeviceChannel, isProvisioningClient, isThingName } from '../core/fleet';
import { logger } from '../core/logger';

export type { DeviceRegisteredEvent } from '../contract/iot-events';

// Endpoint from the SDK's own configuration (AWS_ENDPOINT_URL_KINESIS_VIDEO on the local cloud).
const kvs = new KinesisVideoClient({});

/**
 * A registered device connected under its thing name (the registration topic rule): the cloud
 * records the certificate it registered with, creates its signaling channel (named after the
 * thing, tagged with the serial) and records it, which marks the device provisioned. Repeats
 * are cheap: once done, a connection costs one read.
 */
export async function handler(event: DeviceRegisteredEvent): Promise<void> {
  const thingName = event?.thingName;
  const certificateId = event?.certificateId;
  if (!isThingName(thingName) || isProvisioningClient(thingName) || typeof certificateId !== 'string') {
    logger.warn('registration event ignored: no thing name or certificate', { thingName });
    return;
  }
  const serial = serialOfThing(thingName);
  const device = await getDevice(serial);
  if (!device || device.thingName !== thingName) {
    logger.warn('registration event for a thing not in the registry', { thingName });
    return;
  }
  if (device.provisioned && device.channelArn && device.certificateId === certificateId) return;

  if (!(await recordCertificate(serial, certificateId))) {
    logger.warn('registration event with another certificate than the registered one', {
      thingName,
      certificateId,
    });
    return;
  }
  const { channelArn, created } = await ensureDeviceChannel(kvs, thingName, serial);
  await recordChannel(serial, channelArn);
  logger.info('device registered', { thingName, certificateId, channelArn, created });
}
