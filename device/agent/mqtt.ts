import { connect, type IClientOptions, type MqttClient } from 'mqtt';

/**
 * mqtt.js over mutual TLS, as AWS IoT wants it: the endpoint by host name (mqtt.js then sends SNI),
 * the device's or the claim's certificate, and request/response helpers for the reserved topics
 * (subscribe to `accepted` and `rejected` first, then publish, then wait for one of them).
 */
export interface TlsIdentity {
  ca: string;
  cert: string;
  key: string;
}

export interface ConnectOptions {
  host: string;
  port: number;
  clientId: string;
  identity: TlsIdentity;
  connectTimeoutMs: number;
  /** 0: no automatic reconnect (provisioning retries step by step itself). */
  reconnectPeriodMs: number;
}

export function mqttOptions(options: ConnectOptions): IClientOptions {
  // `noDelay` goes to the TLS socket; mqtt.js passes its options through but does not type it.
  const tls: IClientOptions & { noDelay: boolean } = {
    protocol: 'mqtts',
    host: options.host,
    port: options.port,
    clientId: options.clientId,
    ca: options.identity.ca,
    cert: options.identity.cert,
    key: options.identity.key,
    rejectUnauthorized: true,
    clean: true,
    // AWS IoT accepts 30–1200 s and drops a client silent for 1.5 times it: at 30 s a frozen
    // camera goes offline (its last will, the lifecycle event) within 45 s, and the pings keep a
    // home router's NAT mapping alive.
    keepalive: 30,
    connectTimeout: options.connectTimeoutMs,
    reconnectPeriod: options.reconnectPeriodMs,
    protocolVersion: 4,
    // mqtt-packet otherwise pre-builds a 2-byte Buffer for every packet id and length up to 65535
    // on the first write: ~6 MB of heap held for the life of the process, to save an allocation
    // on a client that sends a handful of packets a minute.
    writeCache: false,
    // Shadow requests wait for their answers (a viewer's answer waits for its fingerprint to be
    // accepted): small packets go out at once instead of waiting for the previous one's ACK.
    noDelay: true,
  };
  return tls;
}

/** Connects once; rejects on the first error or when the timeout passes. */
export function connectOnce(options: ConnectOptions, signal?: AbortSignal): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(mqttOptions({ ...options, reconnectPeriodMs: 0 }));
    const fail = (err: Error) => {
      cleanup();
      client.end(true);
      reject(err);
    };
    const onError = (err: Error) => fail(new Error(`MQTT connect to ${options.host}: ${err.message}`));
    const onClose = () => fail(new Error(`MQTT connect to ${options.host}: connection closed`));
    const onAbort = () => fail(new Error('stopped'));
    const timer = setTimeout(
      () => fail(new Error(`MQTT connect to ${options.host}: no CONNACK in ${options.connectTimeoutMs} ms`)),
      options.connectTimeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = () => {
      cleanup();
      resolve(client);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
    client.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Subscribes with QoS 1 and fails if the broker refused any filter (granted QoS 128). */
export async function subscribeAll(client: MqttClient, topics: string[]): Promise<void> {
  const granted = await client.subscribeAsync(topics, { qos: 1 });
  const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
  if (refused.length > 0) throw new Error(`subscription refused: ${refused.join(', ')}`);
}

export class RejectedError extends Error {
  constructor(
    readonly topic: string,
    readonly statusCode: number | undefined,
    readonly errorCode: string | undefined,
    errorMessage: string | undefined,
  ) {
    super(`${topic} rejected: ${statusCode ?? '?'} ${errorCode ?? ''} ${errorMessage ?? ''}`.trim());
    this.name = 'RejectedError';
  }
}

/**
 * Publishes a request and resolves with the JSON of `<topic>/accepted`, or rejects with the
 * `<topic>/rejected` error document, a timeout, or the connection closing first.
 */
export function request<T>(
  client: MqttClient,
  topic: string,
  payload: unknown,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  const accepted = `${topic}/accepted`;
  const rejected = `${topic}/rejected`;
  return new Promise<T>((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      client.off('message', onMessage);
      client.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onMessage = (t: string, body: Buffer) => {
      if (t !== accepted && t !== rejected) return;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return done(() => reject(new Error(`${t}: answer is not JSON`)));
      }
      if (t === accepted) return done(() => resolve(doc as T));
      done(() =>
        reject(
          new RejectedError(
            topic,
            typeof doc.statusCode === 'number' ? doc.statusCode : undefined,
            typeof doc.errorCode === 'string' ? doc.errorCode : undefined,
            typeof doc.errorMessage === 'string' ? doc.errorMessage : undefined,
          ),
        ),
      );
    };
    const onClose = () => done(() => reject(new Error(`${topic}: connection closed before an answer`)));
    const onAbort = () => done(() => reject(new Error('stopped')));
    const timer = setTimeout(
      () => done(() => reject(new Error(`${topic}: no answer in ${timeoutMs} ms`))),
      timeoutMs,
    );
    client.on('message', onMessage);
    client.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    client.publish(topic, JSON.stringify(payload), { qos: 1 }, (err) => {
      if (err) done(() => reject(new Error(`${topic}: publish failed: ${err.message}`)));
    });
  });
}
