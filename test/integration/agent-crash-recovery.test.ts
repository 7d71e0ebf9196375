import wrtc from '@roamhq/wrtc';
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { buildAgent } from '../../device/build';
import { fingerprintOf } from '../../lambda/contract/fingerprints';
import type { PersistedState } from '../../device/agent/state';
import { AWS_PORTS, splitEndpoint } from '../../local/endpoints';
import { localAgentConfig } from '../../local/live';
import {
  ADMIN,
  closeSignaling,
  installTrustingWebSocket,
  next,
  openSignaling,
  sdkConfig,
} from '../support/aws';
import { agent as httpsAgent, newDevice, outputs, readDevice } from '../support/cloud';
import { allowViewer } from '../support/iot';
import { REPO_ROOT, TEST_STATE_DIR } from '../support/paths';

/**
 * Crash recovery of the device agent (docs/design.md §5, §8): the bundled agent is killed with SIGKILL
 * (with its engine, as systemd kills the unit's cgroup) at random points while it provisions by
 * claim, then started again, once or twice, on a fresh registered serial each run. Every run must
 * end streaming, with the same device key throughout, one thing, and exactly one ACTIVE
 * certificate: each certificate the device ever stored is probed at the credentials provider,
 * which answers only for an ACTIVE certificate attached to the thing.
 */

const RUNS = Number(process.env.AGENT_CRASH_RUNS ?? 20);
const LANES = 2;
const seed = Number(process.env.AGENT_CRASH_SEED ?? Date.now() % 1_000_000);
let rngState = seed;
/** A small seeded generator, so a failing sequence of kill points can be replayed. */
const random = () => (rngState = (rngState * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const iot = outputs.iot!;
const workDir = join(TEST_STATE_DIR, 'agent-crash');
const bundle = join(REPO_ROOT, 'dist', 'device', `agent-crash-${process.pid}.mjs`);
const kvs = new KinesisVideoClient(sdkConfig(httpsAgent, ADMIN, outputs.awsEndpoints.kinesisvideo!));

type Milestone = 'spawned' | 'claim-connected' | 'certificate' | 'registered' | 'engine-started';
const MILESTONES: Milestone[] = ['spawned', 'claim-connected', 'certificate', 'registered', 'engine-started'];

interface Running {
  child: ChildProcess;
  output: string[];
  milestones: Set<string>;
  exited: Promise<void>;
}

function startAgent(configPath: string): Running {
  const child = spawn(process.execPath, [bundle, '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: SIGKILL to the group is what systemd does to the unit's cgroup.
    detached: true,
    env: { ...process.env, SIGHTLINE_AGENT_LOG: 'info' },
  });
  const running: Running = {
    child,
    output: [],
    milestones: new Set(['spawned']),
    exited: new Promise((r) => child.once('exit', () => r())),
  };
  child.stdout!.on('data', (c: Buffer) => running.output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => running.output.push(c.toString()));
  child.on('message', (m: { type?: string; milestone?: string }) => {
    if (m.type === 'milestone' && m.milestone) running.milestones.add(m.milestone);
  });
  return running;
}

async function killGroup(running: Running): Promise<void> {
  try {
    process.kill(-running.child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await running.exited;
}

async function waitFor(check: () => boolean, ms: number, what: string, running?: Running): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`${what} within ${ms} ms\n${running?.output.join('').slice(-3000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const readState = (stateDir: string): PersistedState | undefined => {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as PersistedState;
  } catch {
    return undefined;
  }
};
const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Asks the credentials provider for KVS credentials with one certificate: 200 only if ACTIVE. */
function probe(certPem: string, keyPem: string, thingName: string): Promise<number> {
  const { host, port } = splitEndpoint(iot.credentialsEndpoint, AWS_PORTS.https);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: `/role-aliases/${iot.roleAlias}/credentials`,
        headers: { 'x-amzn-iot-thingname': thingName },
        cert: certPem,
        key: keyPem,
        ca: readFileSync(iot.caCertPath),
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A viewer offers to the device's channel; only a connected master answers. */
async function masterAnswers(thingName: string): Promise<boolean> {
  const channelARN = (await kvs.send(new DescribeSignalingChannelCommand({ ChannelName: thingName })))
    .ChannelInfo!.ChannelARN!;
  const endpoints = await kvs.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
    }),
  );
  const clientId = `viewer-${Math.floor(random() * 1e9)}`;
  const viewer = await openSignaling({
    channelARN,
    channelEndpoint: endpoints.ResourceEndpointList![0]!.ResourceEndpoint!,
    credentials: ADMIN,
    clientId,
  });
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    // The camera answers only a viewer the cloud vouched for, as publishing a fingerprint does.
    await allowViewer(thingName, clientId, fingerprintOf(pc.localDescription!.sdp)!);
    const answered = next<[RTCSessionDescriptionInit]>(viewer, 'sdpAnswer', 10_000);
    viewer.sendSdpOffer(pc.localDescription!);
    const [answer] = await answered;
    return answer.type === 'answer';
  } finally {
    pc.close();
    viewer.close();
  }
}

interface RunResult {
  serial: string;
  kills: string[];
}

async function crashRun(index: number): Promise<RunResult> {
  const { serial } = await newDevice();
  const dir = join(workDir, `run-${index}`);
  const stateDir = join(dir, 'state');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      localAgentConfig(outputs as Parameters<typeof localAgentConfig>[0], {
        serial,
        stateDir,
        supervision: { initialDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 5000 },
      }),
    ),
  );
  const certificates = new Set<string>();
  const keys = new Set<string>();
  const snapshot = () => {
    const state = readState(stateDir);
    if (state?.pending) certificates.add(state.pending.certificatePem);
    const cert = readText(join(stateDir, 'device.cert.pem'));
    if (cert) certificates.add(cert);
    const key = readText(join(stateDir, 'device.key.pem'));
    if (key) keys.add(key);
  };

  const kills: string[] = [];
  const killCount = 1 + Math.floor(random() * 2);
  for (let k = 0; k < killCount; k++) {
    // Kill at a random milestone, a random few milliseconds after it (or at a deadline).
    const milestone = MILESTONES[Math.floor(random() * MILESTONES.length)]!;
    const after = Math.floor(random() * (milestone === 'spawned' ? 600 : 60));
    const running = startAgent(configPath);
    await waitFor(
      () => running.milestones.has(milestone) || running.child.exitCode !== null,
      8000,
      'no milestone',
    ).catch(() => undefined);
    await new Promise((r) => setTimeout(r, after));
    await killGroup(running);
    kills.push(`${milestone}+${after}ms`);
    snapshot();
  }

  const final = startAgent(configPath);
  try {
    await waitFor(
      () => readState(stateDir)?.phase === 'streaming',
      30_000,
      `run ${index} (${serial}) did not stream`,
      final,
    );
    snapshot();
    const state = readState(stateDir)!;
    const thing = state.thing!;
    const context = `run ${index} ${serial} kills ${kills.join(', ')} (seed ${seed})`;

    // One key, kept from first to last.
    expect({ context, keys: keys.size }).toEqual({ context, keys: 1 });
    const key = [...keys][0]!;

    // The cloud's view: provisioned, with this thing, this certificate and a channel.
    let device = await readDevice(serial);
    for (let i = 0; i < 50 && !(device?.provisioned && device.certificateId); i++) {
      await new Promise((r) => setTimeout(r, 100));
      device = await readDevice(serial);
    }
    expect({ context, thingName: device?.thingName, certificateId: device?.certificateId }).toEqual({
      context,
      thingName: thing.thingName,
      certificateId: thing.certificateId,
    });
    expect(device?.channelArn).toBeDefined();

    // Exactly one ACTIVE certificate among all the device ever held: the one it runs with.
    const answers = await Promise.all([...certificates].map((pem) => probe(pem, key, thing.thingName)));
    const active = [...certificates].filter((_, i) => answers[i] === 200);
    expect({ context, active: active.length, issued: certificates.size }).toEqual({
      context,
      active: 1,
      issued: certificates.size,
    });
    expect(active[0]).toBe(readText(join(stateDir, 'device.cert.pem')));

    // And it really streams: its master answers a viewer's offer on the thing's channel.
    expect(await masterAnswers(thing.thingName)).toBe(true);
    return { serial, kills };
  } finally {
    final.child.kill('SIGTERM');
    await Promise.race([final.exited, new Promise((r) => setTimeout(r, 3000))]);
    await killGroup(final);
  }
}

describe('device agent crash recovery', () => {
  beforeAll(async () => {
    installTrustingWebSocket(readFileSync(outputs.caCertPath));
    rmSync(workDir, { recursive: true, force: true });
    await buildAgent({ outfile: bundle });
  }, 60_000);

  afterAll(() => {
    closeSignaling();
    kvs.destroy();
    rmSync(bundle, { force: true });
  });

  test(
    `killed at random points while provisioning, it always ends streaming with one thing and one ACTIVE certificate (${RUNS} runs)`,
    async () => {
      const results: RunResult[] = [];
      let nextRun = 0;
      await Promise.all(
        Array.from({ length: LANES }, async () => {
          while (nextRun < RUNS) results.push(await crashRun(nextRun++));
        }),
      );
      expect(results).toHaveLength(RUNS);
      // The kill points covered provisioning from the start to the engine's start.
      const where = new Set(results.flatMap((r) => r.kills.map((k) => k.split('+')[0])));
      expect(where.size).toBeGreaterThanOrEqual(3);
    },
    15 * 60_000,
  );
});
