import { connect, type MqttClient } from 'mqtt';
import type { Log } from './log';
import { mqttOptions, type TlsIdentity } from './mqtt';

/**
 * The operational MQTT session: the device's own certificate, clientId = thing name (the device
 * policy allows nothing else), reconnecting by itself. It keeps the classic shadow's `reported`
 * section up to date: the whole document is sent again on every (re)connect, and each change as it
 * happens. The broker's presence events on this connection tell the cloud the device is online.
 */
export interface Reported {
  provisioned: boolean;
  streaming: boolean;
  version: string;
  [key: string]: string | number | boolean;
}

export interface ShadowOptions {
  host: string;
  port: number;
  thingName: string;
  identity: TlsIdentity;
  initial: Reported;
  log: Log;
}

export class ShadowReporter {
  private readonly client: MqttClient;
  private readonly prefix: string;
  private reported: Reported;
  private sequence = 0;

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
      void this.client
        .subscribeAsync([`${this.prefix}/update/accepted`, `${this.prefix}/update/rejected`], { qos: 1 })
        .then(() => this.publish(this.reported))
        .catch((err: Error) => options.log('warn', 'shadow subscribe failed', { error: err.message }));
    });
    this.client.on('message', (topic, payload) => {
      if (topic === `${this.prefix}/update/rejected`)
        options.log('warn', 'shadow update rejected', { answer: payload.toString('utf8').slice(0, 200) });
    });
    this.client.on('error', (err) => options.log('warn', 'MQTT error', { error: err.message }));
    this.client.on('offline', () => options.log('info', 'MQTT offline; reconnecting'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Records a change and sends it if connected (otherwise it goes with the next connect). */
  report(change: Partial<Reported>): Promise<void> {
    this.reported = { ...this.reported, ...change } as Reported;
    return this.client.connected ? this.publish(change) : Promise.resolve();
  }

  /** Best effort: sends a last change within `timeoutMs`, then closes the connection. */
  async close(lastChange?: Partial<Reported>, timeoutMs = 500): Promise<void> {
    if (lastChange && this.client.connected) {
      await Promise.race([this.report(lastChange).catch(() => undefined), delay(timeoutMs)]);
    }
    await Promise.race([this.client.endAsync(true).catch(() => undefined), delay(timeoutMs)]);
  }

  private async publish(reported: Partial<Reported>): Promise<void> {
    const doc = { state: { reported }, clientToken: `agent-${Date.now()}-${this.sequence++}` };
    try {
      await this.client.publishAsync(`${this.prefix}/update`, JSON.stringify(doc), { qos: 1 });
    } catch (err) {
      this.options.log('warn', 'shadow update not sent', { error: (err as Error).message });
    }
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
