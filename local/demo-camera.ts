import { GetSignalingChannelEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { parseArgs } from 'node:util';
import { startSimulatedCamera } from '../device/engines/simulated-camera';
import { masterSessionPolicy, sessionPolicyJson } from '../lambda/core/kvs-policies';
import { LOCAL_REGION } from './constants';
import { CAMERA_ROLE_ARN } from './live';

/**
 * The demo camera, run by the local cloud as its own process: the simulated engine streaming on
 * its device's channel, with credentials that reach only that channel, minted through the real
 * STS and KVS clients against the emulators (until the IoT credentials provider is emulated).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { serial: { type: 'string' }, 'channel-arn': { type: 'string' } },
  });
  const serial = values.serial;
  const channelArn = values['channel-arn'];
  if (!serial || !channelArn) throw new Error('usage: demo-camera --serial <serial> --channel-arn <arn>');
  const sts = new STSClient({});
  const kvs = new KinesisVideoClient({});

  const camera = await startSimulatedCamera({
    log: (line) => console.log(line),
    session: async () => {
      const [assumed, endpoints] = await Promise.all([
        sts.send(
          new AssumeRoleCommand({
            RoleArn: CAMERA_ROLE_ARN,
            RoleSessionName: `camera.${serial}`,
            DurationSeconds: 900,
            Policy: sessionPolicyJson(masterSessionPolicy(channelArn)),
          }),
        ),
        kvs.send(
          new GetSignalingChannelEndpointCommand({
            ChannelARN: channelArn,
            SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
          }),
        ),
      ]);
      const endpoint = (protocol: string) =>
        endpoints.ResourceEndpointList?.find((e) => e.Protocol === protocol)?.ResourceEndpoint ?? '';
      const c = assumed.Credentials!;
      return {
        channelArn,
        region: LOCAL_REGION,
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
          expiration: c.Expiration!.toISOString(),
        },
        endpoints: { wss: endpoint('WSS'), https: endpoint('HTTPS') },
        // Loopback needs no STUN or TURN: host candidates connect directly.
        iceServers: [],
      };
    },
  });
  const stop = () => void camera.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(`demo camera: ${err.message}`);
  process.exitCode = 1;
});
