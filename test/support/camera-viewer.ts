import wrtc from '@roamhq/wrtc';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistedState } from '../../device/agent/state';
import { fingerprintOf } from '../../lambda/contract/fingerprints';
import { localAgentConfig, spawnAgent as spawnAgentFromSource } from '../../local/live';
import { ADMIN, openSignaling } from './aws';
import { outputs } from './cloud';
import { eventually } from './iot';

/**
 * A camera's device agent run from source, and a Node viewer on its channel: what the tests of
 * the cameras' fingerprint checks (docs/design.md §4) share, whichever engine the camera runs.
 */

/**
 * Starts the device agent from source with this config file, in a process group of its own (so
 * `endProcessGroup` ends its engine with it); its output goes to `output`, a line an entry.
 */
export function spawnAgent(configPath: string, output: string[]): ChildProcess {
  return spawnAgentFromSource(configPath, (line) => output.push(line), { logLevel: 'info', detached: true });
}

/**
 * A camera of the test's own: the device agent from source (simulated engine) for a registered
 * serial, its config and state in a fresh `workDir`, started and streaming; fails with its output
 * if it does not stream within a minute.
 */
export async function startAgentCamera(
  workDir: string,
  serial: string,
  output: string[],
): Promise<{ camera: ChildProcess; thingName: string }> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const stateDir = join(workDir, 'state');
  const configPath = join(workDir, 'agent.json');
  const config = localAgentConfig(outputs as Parameters<typeof localAgentConfig>[0], { serial, stateDir });
  writeFileSync(configPath, JSON.stringify(config));
  const camera = spawnAgent(configPath, output);
  await eventually(async () => readAgentState(stateDir)?.phase === 'streaming', 60_000).catch(
    (err: Error) => {
      throw new Error(`${err.message}: the camera did not stream\n${output.join('\n').slice(-3000)}`);
    },
  );
  return { camera, thingName: readAgentState(stateDir)!.thing!.thingName };
}

/** The agent's persisted state in its state folder, if it has written it. */
export function readAgentState(stateDir: string): PersistedState | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as PersistedState;
  } catch {
    return undefined;
  }
}

/** Adds a child's output to `output`, a line an entry. */
export function collectLines(child: ChildProcess, output: string[]): void {
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (c: Buffer) =>
      output.push(
        ...c
          .toString()
          .split('\n')
          .filter((l) => l.trim()),
      ),
    );
}

/** Ends a process group started detached: SIGTERM, then SIGKILL if it lingers for 3 s. */
export async function endProcessGroup(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  signal('SIGKILL');
}

/** Where a viewer signals: the camera's channel and its VIEWER endpoint. */
export interface ViewerChannel {
  channelARN: string;
  endpoint: string;
}

/**
 * A Node viewer with valid VIEWER signaling credentials for the channel (the admin's, or a minted
 * session's): its offer, made and not yet sent, with its fingerprint, and its open signaling
 * client. It trickles its candidates and takes the master's; its peer connection is added to
 * `peers` for closing.
 */
export async function nodeViewer(
  channel: ViewerChannel,
  clientId: string,
  peers: RTCPeerConnection[],
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = ADMIN,
): Promise<{
  pc: RTCPeerConnection;
  signaling: SignalingClient;
  fingerprint: string;
  offer: RTCSessionDescriptionInit;
}> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as RTCPeerConnection;
  peers.push(pc);
  pc.addTransceiver('video', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const offer = pc.localDescription!;
  const signaling = await openSignaling({
    channelARN: channel.channelARN,
    channelEndpoint: channel.endpoint,
    credentials,
    clientId,
  });
  signaling.on(
    'iceCandidate',
    (candidate: RTCIceCandidateInit) => void pc.addIceCandidate(candidate).catch(() => undefined),
  );
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) signaling.sendIceCandidate(candidate);
  };
  return { pc, signaling, fingerprint: fingerprintOf(offer.sdp!)!, offer };
}

/** A client id as sessions mint them. */
export const newClientId = () => `viewer-${randomBytes(16).toString('base64url').slice(0, 22)}`;

/** The next SDP answer, or null if none comes within `ms`. */
export function answerWithin(
  signaling: SignalingClient,
  ms: number,
): Promise<RTCSessionDescriptionInit | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    signaling.once('sdpAnswer', (answer: RTCSessionDescriptionInit) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/**
 * The first audit record about the device `serial` that `match` accepts, waiting up to 10 s for
 * it; fails with `output` (the camera's last lines) if none comes.
 */
export async function deviceAudit(
  serial: string,
  match: (item: { action?: string; detail?: Record<string, unknown> }) => boolean,
  output: string[] = [],
): Promise<{ action: string; detail: Record<string, unknown> }> {
  const { ddb } = await import('../../lambda/core/clients');
  const record = await eventually(async () => {
    const items = (
      await ddb.send(
        new QueryCommand({
          TableName: outputs.tables.audit,
          KeyConditionExpression: 'subject = :s',
          ExpressionAttributeValues: { ':s': `device#${serial}` },
        }),
      )
    ).Items;
    return items?.find(match);
  }, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}: no such audit record\n${output.join('\n').slice(-3000)}`);
  });
  return record as { action: string; detail: Record<string, unknown> };
}

/** The audit record of the camera's refusal of `clientId`, as its refusal topic rule writes it. */
export async function refusalOf(
  serial: string,
  clientId: string,
  output: string[],
): Promise<Record<string, unknown>> {
  const record = await deviceAudit(
    serial,
    (i) => i.action === 'session.fingerprint_refused' && i.detail?.clientId === clientId,
    output,
  );
  return record.detail;
}
