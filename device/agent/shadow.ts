import { connect, type MqttClient } from 'mqtt';
import {
  refusalTopic,
  vouchedViewers,
  type FingerprintRefusal,
  type VouchedViewer,
} from '../../lambda/contract/fingerprints';
import type { Log } from './log';
import { mqttOptions, type TlsIdentity } from './mqtt';

/**
 * The operational MQTT session: the device's own certificate, clientId = thing name (the device
 * policy allows nothing else), reconnecting by itself. It keeps the classic shadow's `reported`
 * section up to date: the whole document is sent again on every (re)connect, and each change as it
 * happens. The broker's presence events on this connection tell the cloud the device is online.
 *
 * It also follows `desired.viewers` (client id → the DTLS fingerprint that viewer published to the
 * cloud, and when its session expires): from a `get` after each connect, and from every `update/documents` (which carries the
 * whole desired section, so a viewer whose session ended disappears from it) and `update/delta`.
 */
export type ReportedValue = string | number | boolean | null | string[] | Record<string, string | null>;

export interface Reported {
  provisioned: boolean;
  streaming: boolean;
  version: string;
  [key: string]: ReportedValue;
}

/** The viewers the cloud allows now: client id → fingerprint and session expiry. */
export type AllowedViewers = Record<string, VouchedViewer>;

export interface ShadowOptions {
  host: string;
  port: number;
  thingName: string;
  identity: TlsIdentity;
  initial: Reported;
  log: Log;
  /** Called whenever the allowed viewers change (the first time once they are known). */
  onViewers?: (viewers: AllowedViewers) => void;
}

/** How long a request to the shadow service may take before it is given up. */
const ANSWER_TIMEOUT_MS = 5000;

type Json = Record<string, unknown>;

export class ShadowReporter {
  private readonly client: MqttClient;
  private readonly prefix: string;
  private reported: Reported;
  private sequence = 0;
  private allowed?: AllowedViewers;
  /** Requests waiting for their `accepted`/`rejected` answer, by client token. */
  private readonly waiting = new Map<string, (answer: { accepted: boolean; doc: Json }) => void>();

  constructor(private readonly options: ShadowOptions) {
    this.prefix = `$aws/things/${options.thingName}/shadow`;
    this.reported = { ...options.initial };
    this.client = connect(
      mqttOptions({
        host: options.host,
        port: options.port,
        clientId: options.thingName,
        identity: options.identity,
        connectTimeoutMs: 15_000,
        reconnectPeriodMs: 3000,
      }),
    );
    this.client.on('connect', () => {
      options.log('info', 'connected to AWS IoT as the thing', { thingName: options.thingName });
      const topics = ['update/accepted', 'update/rejected', 'update/delta', 'update/documents'];
      void this.client
        .subscribeAsync(
          [...topics, 'get/accepted', 'get/rejected'].map((t) => `${this.prefix}/${t}`),
          {
            qos: 1,
          },
        )
        .then(() => this.publish(this.wholeDocument()))
        .then(() => this.refreshViewers())
        .catch((err: Error) => options.log('warn', 'shadow set-up failed', { error: err.message }));
    });
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.client.on('error', (err) => options.log('warn', 'MQTT error', { error: err.message }));
    this.client.on('offline', () => options.log('info', 'MQTT offline; reconnecting'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The allowed viewers from the latest shadow document seen; undefined until one is. */
  get viewers(): AllowedViewers | undefined {
    return this.allowed && { ...this.allowed };
  }

  /** Records a change and sends it if connected (otherwise it goes with the next connect). */
  report(change: Partial<Reported>): Promise<void> {
    this.record(change);
    return this.client.connected ? this.publish(change).then(() => undefined) : Promise.resolve();
  }

  /**
   * Records a change and resolves once the shadow service accepted it (its `update/accepted`),
   * so what follows can rely on the cloud seeing it; rejects when it was refused, not sent, or
   * not answered in time.
   */
  async reportConfirmed(change: Partial<Reported>): Promise<void> {
    this.record(change);
    if (!this.client.connected) throw new Error('not connected to AWS IoT');
    const token = this.nextToken();
    const answer = this.answer(token);
    const sent = await this.publish(change, token);
    if (!sent) {
      this.waiting.delete(token);
      throw new Error('shadow update not sent');
    }
    const { accepted, doc } = await answer;
    if (!accepted) throw new Error(`shadow update rejected: ${String(doc.code)} ${String(doc.message)}`);
  }

  /** Asks the shadow service for the document now, and resolves with the allowed viewers in it. */
  async refreshViewers(): Promise<AllowedViewers> {
    if (!this.client.connected) throw new Error('not connected to AWS IoT');
    const token = this.nextToken();
    const answer = this.answer(token);
    await this.client.publishAsync(`${this.prefix}/get`, JSON.stringify({ clientToken: token }), { qos: 1 });
    const { accepted, doc } = await answer;
    // No shadow at all (404) is a camera that no viewer has been allowed to watch yet.
    if (!accepted && doc.code !== 404) throw new Error(`shadow get rejected: ${String(doc.code)}`);
    this.setViewers(accepted ? desiredViewers(doc.state) : {});
    return { ...this.allowed };
  }

  /** Publishes a refusal of a viewer's offer on the thing's refusal topic, QoS 1. */
  async publishRefusal(refusal: FingerprintRefusal): Promise<void> {
    await this.client.publishAsync(refusalTopic(this.options.thingName), JSON.stringify(refusal), { qos: 1 });
  }

  /** Best effort: sends a last change within `timeoutMs`, then closes the connection. */
  async close(lastChange?: Partial<Reported>, timeoutMs = 500): Promise<void> {
    if (lastChange && this.client.connected) {
      await Promise.race([this.report(lastChange).catch(() => undefined), delay(timeoutMs)]);
    }
    await Promise.race([this.client.endAsync(true).catch(() => undefined), delay(timeoutMs)]);
  }

  /** Merges a change into what is reported: a map is merged key by key, a null in it deletes. */
  private record(change: Partial<Reported>): void {
    const next: Reported = { ...this.reported };
    for (const [key, value] of Object.entries(change)) {
      const before = next[key];
      if (isMap(value) && isMap(before)) {
        const merged: Record<string, string | null> = { ...before };
        for (const [k, v] of Object.entries(value)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        next[key] = merged;
      } else if (value !== undefined) next[key] = isMap(value) ? withoutNulls(value) : value;
    }
    this.reported = next;
  }

  /**
   * The whole reported section, sent on each connect. An empty map is sent as null: entries a
   * previous run left (the fingerprints of connections that are gone) are deleted with it.
   */
  private wholeDocument(): Partial<Reported> {
    const doc: Partial<Reported> = {};
    for (const [key, value] of Object.entries(this.reported)) {
      doc[key] = isMap(value) && Object.keys(value).length === 0 ? null : value;
    }
    return doc;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (!topic.startsWith(`${this.prefix}/`)) return;
    const suffix = topic.slice(this.prefix.length + 1);
    let doc: Json;
    try {
      doc = JSON.parse(payload.toString('utf8')) as Json;
    } catch {
      return;
    }
    const token = typeof doc.clientToken === 'string' ? doc.clientToken : undefined;
    const waiter = token === undefined ? undefined : this.waiting.get(token);
    if (suffix.endsWith('/accepted') || suffix.endsWith('/rejected')) {
      const accepted = suffix.endsWith('/accepted');
      if (suffix === 'update/rejected' && !waiter)
        this.options.log('warn', 'shadow update rejected', {
          answer: payload.toString('utf8').slice(0, 200),
        });
      if (waiter) {
        this.waiting.delete(token!);
        waiter({ accepted, doc });
      }
      return;
    }
    if (suffix === 'update/documents') {
      const current = doc.current as Json | undefined;
      this.setViewers(desiredViewers(current?.state));
    } else if (suffix === 'update/delta') {
      // The delta carries what desired says and reported does not; `reported.viewers` is a list,
      // so a changed `desired.viewers` comes whole. Removals are seen in `update/documents`.
      const state = doc.state as Json | undefined;
      if (this.allowed && isMap(state?.viewers))
        this.setViewers({ ...this.allowed, ...desiredViewers({ desired: state }) });
    }
  }

  private setViewers(viewers: AllowedViewers): void {
    const before = this.allowed;
    this.allowed = viewers;
    if (before && JSON.stringify(sorted(before)) === JSON.stringify(sorted(viewers))) return;
    this.options.onViewers?.({ ...viewers });
  }

  private nextToken(): string {
    return `agent-${Date.now()}-${this.sequence++}`;
  }

  /** The answer to the request with this client token, or a timeout. */
  private answer(token: string): Promise<{ accepted: boolean; doc: Json }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error(`no answer from the shadow service in ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(token, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** Sends an update (QoS 1); resolves true once the broker acknowledged it. */
  private async publish(reported: Partial<Reported>, token = this.nextToken()): Promise<boolean> {
    const doc = { state: { reported }, clientToken: token };
    try {
      await this.client.publishAsync(`${this.prefix}/update`, JSON.stringify(doc), { qos: 1 });
      return true;
    } catch (err) {
      this.options.log('warn', 'shadow update not sent', { error: (err as Error).message });
      return false;
    }
  }
}

/** `state.desired.viewers` of a shadow document, its well-formed entries only. */
function desiredViewers(state: unknown): AllowedViewers {
  const desired = (state as Json | undefined)?.desired as Json | undefined;
  return vouchedViewers(desired?.viewers);
}

function isMap(value: unknown): value is Record<string, string | null> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutNulls(map: Record<string, string | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== null));
}

function sorted(map: AllowedViewers): [string, VouchedViewer][] {
  return Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
