import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { vouchedViewers, type VouchedViewer, type ViewerShadow } from '../contract/fingerprints';
import { requireEnv } from './env';

/**
 * A camera's classic shadow, as far as viewing goes (`ViewerShadow`), through the IoT data plane:
 * the account's own endpoint on AWS, the emulator on the local cloud.
 */
let client: IoTDataPlaneClient | undefined;
function iotData(): IoTDataPlaneClient {
  client ??= new IoTDataPlaneClient({ endpoint: requireEnv('IOT_DATA_ENDPOINT') });
  return client;
}

export interface CameraShadow {
  /** The viewers the camera may accept: client id → fingerprint and session expiry. */
  allowed: Record<string, VouchedViewer>;
  /** The fingerprint the camera published for a viewer, or its one long-lived fingerprint. */
  fingerprintFor(clientId: string): string | undefined;
  /** The client ids the camera reports connected now, and when it reported them. */
  connected: string[];
  connectedAt?: Date;
}

const decoder = new TextDecoder();

/** The shadow's viewing part; an absent shadow (a camera that never reported) is an empty one. */
export async function readCameraShadow(thingName: string): Promise<CameraShadow> {
  let doc: { state?: ViewerShadow; metadata?: { reported?: { viewers?: unknown } } } = {};
  try {
    const out = await iotData().send(new GetThingShadowCommand({ thingName }));
    doc = JSON.parse(decoder.decode(out.payload)) as typeof doc;
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  const state = doc.state ?? {};
  const allowed = vouchedViewers(state.desired?.viewers);
  const perViewer = strings(state.reported?.fingerprints);
  const single = typeof state.reported?.fingerprint === 'string' ? state.reported.fingerprint : undefined;
  const viewers = Array.isArray(state.reported?.viewers)
    ? state.reported.viewers.filter((v): v is string => typeof v === 'string')
    : [];
  return {
    allowed,
    fingerprintFor: (clientId) => perViewer[clientId] ?? single,
    connected: viewers,
    connectedAt: reportedAt(doc.metadata?.reported?.viewers),
  };
}

/** Sets (vouches for) or removes (null) viewers in `desired.viewers`, in one shadow update. */
export async function updateAllowedViewers(
  thingName: string,
  changes: Record<string, VouchedViewer | null>,
): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await writeDesired(thingName, { desired: { viewers: changes } });
}

/**
 * Removes every viewer from `desired.viewers` in one update (null deletes the whole map), so the
 * camera drops them all at once: what a change of owner needs.
 */
export async function clearAllowedViewers(thingName: string): Promise<void> {
  await writeDesired(thingName, { desired: { viewers: null } });
}

async function writeDesired(thingName: string, doc: ViewerShadow): Promise<void> {
  await iotData().send(
    new UpdateThingShadowCommand({
      thingName,
      payload: new TextEncoder().encode(JSON.stringify({ state: doc })),
    }),
  );
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The shadow's metadata gives each reported leaf its update time (epoch seconds); an array is
 * timed per element, so the newest element's time is the report's.
 */
function reportedAt(meta: unknown): Date | undefined {
  const times: number[] = [];
  const visit = (m: unknown) => {
    if (Array.isArray(m)) m.forEach(visit);
    else if (typeof m === 'object' && m !== null) {
      const t = (m as { timestamp?: unknown }).timestamp;
      if (typeof t === 'number') times.push(t);
    }
  };
  visit(meta);
  return times.length ? new Date(Math.max(...times) * 1000) : undefined;
}
