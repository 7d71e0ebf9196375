/**
 * The classic (unnamed) Device Shadow service: `get` and `update` requests on
 * `$aws/things/<thing>/shadow/...` answered on `accepted` / `rejected`, with `delta` when the
 * desired state differs from the reported one and `documents` after each accepted update. Keys set
 * to null are deleted; `version` gives optimistic locking and grows by one per update.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Shadow {
  desired?: JsonObject;
  reported?: JsonObject;
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
}

export interface ShadowMessage {
  topic: string;
  payload: JsonObject;
}

/** The shadow service's limits: 8 KB documents, 64-byte client tokens. */
const MAX_DOCUMENT_BYTES = 8 * 1024;
const MAX_CLIENT_TOKEN = 64;

export class ShadowService {
  private readonly shadows = new Map<string, Shadow>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Handles a request published on `$aws/things/<thing>/shadow/<op>`; returns the messages to publish. */
  handle(thingName: string, op: 'get' | 'update', payload: Buffer): ShadowMessage[] {
    const prefix = `$aws/things/${thingName}/shadow/${op}`;
    const timestamp = Math.floor(this.now() / 1000);
    let request: JsonObject = {};
    if (payload.length) {
      try {
        const parsed = JSON.parse(payload.toString('utf8')) as Json;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        request = parsed;
      } catch {
        return [reject(prefix, 400, 'Invalid JSON', timestamp)];
      }
    }
    const clientToken = request.clientToken;
    if (
      clientToken !== undefined &&
      (typeof clientToken !== 'string' || clientToken.length > MAX_CLIENT_TOKEN)
    ) {
      return [reject(prefix, 400, 'Invalid clientToken', timestamp)];
    }
    const token: JsonObject = clientToken === undefined ? {} : { clientToken };
    const shadow = this.shadows.get(thingName);

    if (op === 'get') {
      if (!shadow)
        return [reject(prefix, 404, `No shadow exists with name: '${thingName}'`, timestamp, token)];
      const delta = deltaOf(shadow.desired, shadow.reported);
      return [
        {
          topic: `${prefix}/accepted`,
          payload: {
            state: {
              ...(shadow.desired ? { desired: shadow.desired } : {}),
              ...(shadow.reported ? { reported: shadow.reported } : {}),
              ...(delta ? { delta } : {}),
            },
            metadata: shadow.metadata as JsonObject,
            version: shadow.version,
            timestamp,
            ...token,
          },
        },
      ];
    }

    if (payload.length > MAX_DOCUMENT_BYTES)
      return [reject(prefix, 413, 'The payload exceeds the maximum size allowed', timestamp, token)];
    const state = request.state;
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      return [reject(prefix, 400, 'Missing required node: state', timestamp, token)];
    }
    for (const key of Object.keys(state)) {
      if (key !== 'desired' && key !== 'reported') {
        return [reject(prefix, 400, `Invalid JSON: unexpected node state.${key}`, timestamp, token)];
      }
    }
    if (request.version !== undefined && request.version !== (shadow?.version ?? 0)) {
      return [reject(prefix, 409, 'Version conflict', timestamp, token)];
    }

    const previous = shadow ? structuredClone(shadow) : undefined;
    const next: Shadow = shadow ?? { metadata: {}, version: 0 };
    const updatedMetadata: JsonObject = {};
    for (const section of ['desired', 'reported'] as const) {
      const change = state[section];
      if (change === undefined) continue;
      if (change === null) {
        delete next[section];
        delete next.metadata[section];
        continue;
      }
      if (typeof change !== 'object' || Array.isArray(change)) {
        return [reject(prefix, 400, `Invalid JSON: state.${section} must be an object`, timestamp, token)];
      }
      next[section] = merge(next[section] ?? {}, change);
      next.metadata[section] = merge(next.metadata[section] ?? {}, stamp(change, timestamp)) as JsonObject;
      updatedMetadata[section] = stamp(change, timestamp);
    }
    next.version += 1;
    this.shadows.set(thingName, next);

    const messages: ShadowMessage[] = [
      {
        topic: `${prefix}/accepted`,
        payload: { state, metadata: updatedMetadata, version: next.version, timestamp, ...token },
      },
    ];
    const delta = deltaOf(next.desired, next.reported);
    if (state.desired !== undefined && delta) {
      messages.push({
        topic: `${prefix}/delta`,
        payload: {
          state: delta,
          metadata: stamp(delta, timestamp),
          version: next.version,
          timestamp,
          ...token,
        },
      });
    }
    messages.push({
      topic: `${prefix}/documents`,
      payload: {
        previous: previous ? document(previous) : null,
        current: document(next),
        timestamp,
        ...token,
      },
    });
    return messages;
  }
}

function reject(
  prefix: string,
  code: number,
  message: string,
  timestamp: number,
  token: JsonObject = {},
): ShadowMessage {
  return { topic: `${prefix}/rejected`, payload: { code, message, timestamp, ...token } };
}

function document(shadow: Shadow): JsonObject {
  return {
    state: {
      ...(shadow.desired ? { desired: shadow.desired } : {}),
      ...(shadow.reported ? { reported: shadow.reported } : {}),
    },
    metadata: shadow.metadata as JsonObject,
    version: shadow.version,
  };
}

/** Merges `change` into `base`: objects recursively, null deletes, anything else replaces. */
function merge(base: JsonObject, change: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key])) out[key] = merge(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** Metadata mirrors the updated keys, each leaf with the time it was set. */
function stamp(change: JsonObject, timestamp: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(change)) {
    out[key] = isObject(value) ? stamp(value, timestamp) : { timestamp };
  }
  return out;
}

/** What desired asks for that reported does not say, or undefined when they agree. */
function deltaOf(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const out: JsonObject = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (isObject(want) && isObject(have)) {
      const inner = deltaOf(want, have);
      if (inner) out[key] = inner;
    } else if (JSON.stringify(want) !== JSON.stringify(have)) {
      out[key] = want;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
