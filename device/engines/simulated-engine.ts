import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import type { KvsCredentials } from '../agent/credentials';
import type { SimulatedEngineSettings } from '../agent/engines';
import type { GateMessage, GateRequest } from '../agent/viewer-gate';
import type { ViewerGate, Vouched } from './simulated-camera';

/**
 * The `simulated` engine as a process of its own, run by the agent's supervisor exactly where the
 * C SDK master would run. Like the C SDK it works on the channel named after its thing; unlike it,
 * it gets its credentials from the agent (over the IPC channel) instead of calling the credentials
 * provider itself, and checks its viewers' DTLS fingerprints through the agent's shadow session
 * (see `device/agent/viewer-gate.ts`). It tells the agent when signaling is open, and it ends with the agent: when the
 * IPC channel closes, whether the agent stopped or was killed.
 *
 * It loads its libraries first and only then waits for its settings (the first IPC message), so
 * the agent can start it while it is still provisioning and the thing name is not yet known.
 */
export async function runSimulatedEngine(): Promise<void> {
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is journal noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const send = process.send?.bind(process);
  if (!send) throw new Error('the simulated engine runs under the agent (no IPC channel)');
  // The agent is gone (stopped, or killed): a camera must not stream unsupervised.
  process.once('disconnect', () => process.exit(0));
  const log = (line: string) => process.stdout.write(`${line}\n`);

  let settle: (s: SimulatedEngineSettings) => void = () => undefined;
  const settingsReceived = new Promise<SimulatedEngineSettings>((resolve) => (settle = resolve));
  let nextId = 0;
  const waiting = new Map<number, { resolve: (c: KvsCredentials) => void; reject: (e: Error) => void }>();
  const gate = ipcViewerGate(send);
  process.on('message', (message) => {
    if (gate.receive(message as GateMessage)) return;
    const m = message as {
      type?: string;
      id?: number;
      credentials?: KvsCredentials;
      error?: string;
      settings?: SimulatedEngineSettings;
    };
    if (m.type === 'settings' && m.settings) return settle(m.settings);
    if (m.type !== 'credentials' || m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.credentials) w?.resolve(m.credentials);
    else w?.reject(new Error(m.error ?? 'no credentials'));
  });
  /** The agent's credentials provider, which refreshes them before they expire. */
  const credentials = () =>
    new Promise<KvsCredentials>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      send({ type: 'credentials', id });
    });

  const { startSimulatedCamera } = await import('./simulated-camera');
  const settings = await settingsReceived;
  gate.start();
  const camera = await startSimulatedCamera({
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    log,
    onSignaling: (open) => send({ type: 'streaming', value: open }),
    viewerGate: gate,
    session: async () => {
      const c = await credentials();
      const awsCredentials = {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: new Date(c.expiration),
      };
      const kvs = new KinesisVideoClient({
        region: settings.region,
        credentials: awsCredentials,
        ...(settings.kinesisVideoEndpoint ? { endpoint: settings.kinesisVideoEndpoint } : {}),
      });
      const channelArn = await channelOf(kvs, settings.thingName);
      const endpoints = await kvs.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: channelArn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'MASTER' },
        }),
      );
      const endpoint = (protocol: string) =>
        endpoints.ResourceEndpointList?.find((e) => e.Protocol === protocol)?.ResourceEndpoint ?? '';
      const signaling = new KinesisVideoSignalingClient({
        region: settings.region,
        credentials: awsCredentials,
        endpoint: endpoint('HTTPS'),
      });
      const ice = await signaling.send(
        new GetIceServerConfigCommand({ ChannelARN: channelArn, Service: 'TURN' }),
      );
      const domain = settings.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      return {
        channelArn,
        region: settings.region,
        credentials: c,
        endpoints: { wss: endpoint('WSS'), https: endpoint('HTTPS') },
        // KVS's STUN server, then its TURN servers, as the C SDK master uses them.
        iceServers: [
          { urls: [`stun:stun.kinesisvideo.${settings.region}.${domain}:443`] },
          ...(ice.IceServerList ?? [])
            .filter((s) => s.Uris?.length)
            .map((s) => ({ urls: s.Uris!, username: s.Username, credential: s.Password })),
        ],
      };
    },
  });

  const stop = () => void camera.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** How long the engine waits for the agent's answer about its shadow. */
const GATE_TIMEOUT_MS = 10_000;

/**
 * The camera's viewer gate over the agent's IPC channel: the allowed viewers the agent pushes,
 * and requests (fresh read, fingerprint report) answered by id.
 */
function ipcViewerGate(send: (message: GateRequest) => void): ViewerGate & {
  start(): void;
  receive(message: GateMessage): boolean;
} {
  let viewers: Vouched | undefined;
  const listeners: ((v: Vouched) => void)[] = [];
  let nextId = 0;
  const pending = new Map<number, (answer: GateMessage) => void>();
  const setViewers = (next: Vouched) => {
    viewers = next;
    for (const listener of listeners) listener({ ...next });
  };
  const ask = (request: (id: number) => GateRequest): Promise<GateMessage> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the agent did not answer'));
      }, GATE_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send(request(id));
    });
  return {
    start: () => send({ type: 'viewer-gate' }),
    receive(message) {
      if (message?.type === 'viewers') {
        setViewers(message.viewers);
        return true;
      }
      if ((message?.type !== 'refresh' && message?.type !== 'fingerprint') || typeof message.id !== 'number')
        return false;
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(message);
      return true;
    },
    viewers: () => viewers && { ...viewers },
    async refresh() {
      const answer = await ask((id) => ({ type: 'refresh', id }));
      if (answer.type !== 'refresh' || !answer.viewers)
        throw new Error(answer.type === 'refresh' ? (answer.error ?? 'no answer') : 'no answer');
      setViewers(answer.viewers);
      return { ...answer.viewers };
    },
    onChange: (listener) => void listeners.push(listener),
    async publishFingerprint(clientId, fingerprint) {
      const answer = await ask((id) => ({ type: 'fingerprint', id, clientId, fingerprint }));
      if (answer.type === 'fingerprint' && answer.error) throw new Error(answer.error);
    },
    reportConnected: (clientIds) => send({ type: 'connected', viewers: clientIds }),
    refuse: (refusal) => send({ type: 'refusal', refusal }),
  };
}

/**
 * The channel named after the thing. The cloud creates it when the device first connects as its
 * thing, moments before this runs, so a missing channel is waited for (briefly) before failing.
 */
async function channelOf(kvs: KinesisVideoClient, name: string, waitMs = 10_000): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const described = await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: name }));
      if (described.ChannelInfo?.ChannelARN) return described.ChannelInfo.ChannelARN;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException' || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`no signaling channel named ${name}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
