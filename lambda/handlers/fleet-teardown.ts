import {
  DeleteSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  DeleteThingCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
} from '@aws-sdk/client-iot';
import { customResourceHandler, stackScope } from '../core/cfn-response';
import { forgetRegistration, serialOfThing } from '../core/devices';
import { deleteInviteChannel } from '../core/invite-channels';
import { listOpenInviteChannels } from '../core/invites';
import { isNotFound, PROPAGATING, retireCertificate, retrying } from '../core/iot-certificates';
import { logger } from '../core/logger';
import { listRefusedCertificates } from '../core/refused-certificates';

const iot = new IoTClient({});
const kvs = new KinesisVideoClient({});

/** The custom resource's properties, as the CDK construct sets them. */
export interface FleetTeardownProperties {
  /** Every provisioned thing is in this group (the provisioning template puts it there). */
  ThingGroupName: string;
}

/** Things retired at once: IoT's control-plane limits are about 10 to 15 requests a second per API. */
const CONCURRENCY = 4;

/**
 * What `cdk destroy` must remove that CloudFormation did not create: the things devices
 * registered, their certificates and their signaling channels (and the registry's record of
 * them), the channels of invites still open, and the certificates of provisioning the hook
 * refused. It does so on Delete only; the stack removes the template, the rules and the API
 * first, so no device registers and no invite is sent meanwhile. A failure fails the Delete, so
 * a retried destroy finishes the job instead of leaving things behind.
 */
export const handler = customResourceHandler('fleet teardown', async (event) => {
  const physicalResourceId = `fleet-teardown-${(event.ResourceProperties as unknown as FleetTeardownProperties).ThingGroupName}`;
  if (event.RequestType !== 'Delete') return { physicalResourceId };
  const { ThingGroupName } = event.ResourceProperties as unknown as FleetTeardownProperties;

  const things: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await iot.send(
        new ListThingsInThingGroupCommand({ thingGroupName: ThingGroupName, nextToken, maxResults: 250 }),
      );
      things.push(...(page.things ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }

  const failures: string[] = [];
  for (let i = 0; i < things.length; i += CONCURRENCY) {
    await Promise.all(
      things.slice(i, i + CONCURRENCY).map((thing) =>
        retireThing(thing).catch((err: Error) => {
          logger.error('could not remove a device', { thing, error: err });
          failures.push(`${thing}: ${err.name}`);
        }),
      ),
    );
  }
  logger.info('fleet removed', { things: things.length, failures: failures.length });

  // Open invites' channels: CloudFormation did not make them, and nothing else will delete them.
  const channels = await listOpenInviteChannels();
  for (const channelArn of channels) {
    await deleteInviteChannel(channelArn).catch((err: Error) => {
      logger.error('could not delete an invite channel', { channelArn, error: err });
      failures.push(`${channelArn}: ${err.name}`);
    });
  }
  // Certificates of refused provisioning, which AWS IoT leaves behind attached to nothing.
  const refused = await listRefusedCertificates();
  const { partition, region, account } = stackScope(event);
  for (const certificateId of refused) {
    const arn = `arn:${partition}:iot:${region}:${account}:cert/${certificateId}`;
    await retireUnattached(arn).catch((err: Error) => {
      logger.error('could not delete a refused certificate', { certificateId, error: err });
      failures.push(`${certificateId}: ${err.name}`);
    });
  }
  logger.info('invite channels and refused certificates removed', {
    channels: channels.length,
    refusedCertificates: refused.length,
  });
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${things.length + channels.length + refused.length} not removed (${failures.slice(0, 5).join(', ')})`,
    );
  }
  return { physicalResourceId };
});

/**
 * Deletes a refused certificate unless a thing holds it after all: it is the stack's only if
 * provisioning never attached it.
 */
async function retireUnattached(certificateArn: string): Promise<void> {
  try {
    const held = await iot.send(new ListPrincipalThingsCommand({ principal: certificateArn, maxResults: 1 }));
    if ((held.things ?? []).length > 0) return;
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  await retireCertificate(iot, certificateArn);
}

/**
 * One device: detach and retire its certificates, delete the thing, then its channel, and forget
 * them in the registry (which may outlive the stack).
 */
async function retireThing(thingName: string): Promise<void> {
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingPrincipalsCommand({ thingName, nextToken }));
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  for (const principal of principals) {
    await iot.send(new DetachThingPrincipalCommand({ thingName, principal }));
  }
  for (const principal of principals) {
    if (principal.includes(':cert/')) await retireCertificate(iot, principal);
  }
  try {
    await retrying(() => iot.send(new DeleteThingCommand({ thingName })), PROPAGATING);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }

  try {
    const channel = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: thingName }));
    const arn = channel.ChannelInfo?.ChannelARN;
    if (arn) await kvs.send(new DeleteSignalingChannelCommand({ ChannelARN: arn }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await forgetRegistration(serialOfThing(thingName));
}
