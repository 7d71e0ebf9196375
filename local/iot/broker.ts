import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { PresenceEvent } from '../../lambda/contract/iot-events';
import { evaluatePolicy, type RequestContext } from '../aws/policy';
import { AWS_PORTS, listenCameraEndpoint, type Bound } from '../endpoints';
import { certificateIdOf, mutualTlsOptions, type IotTlsFiles } from './ca';
import { IOT_ARN } from './policies';
import { isProvisioningRequest, type ProvisioningReply, type ProvisioningRequest } from './provisioning';
import type { IotRegistry } from './registry';
import { topicMatches } from './rules';
import type { ShadowMessage, ShadowService } from './shadow';

/**
 * AWS IoT's message broker on aedes: MQTT over TLS where the client certificate is the identity.
 * Every CONNECT, PUBLISH, SUBSCRIBE and delivery is authorised against the IoT policies attached
 * to that certificate, with the connection's policy variables. As on AWS, a refused CONNECT gets
 * "not authorized", and a refused PUBLISH or SUBSCRIBE closes the connection with no message.
 * Lifecycle events are published on `$aws/events/presence/...`.
 */

const SHADOW_REQUEST = /^\$aws\/things\/([^/]+)\/shadow\/(get|update)$/;
/** AWS IoT's limits: 128 KB payloads, QoS 0 and 1, client ids of at most 128 bytes. */
const MAX_PAYLOAD_BYTES = 128 * 1024;
const MAX_CLIENT_ID_BYTES = 128;

export type DisconnectReason =
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'CONNECTION_LOST'
  | 'DUPLICATE_CLIENTID'
  | 'FORBIDDEN_ACCESS'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'SERVER_INITIATED_DISCONNECT';

interface Connection {
  certificateId: string;
  clientId: string;
  context: RequestContext;
  sessionIdentifier: string;
  versionNumber: number;
  ipAddress: string;
  reason?: DisconnectReason;
}

export interface BrokerOptions {
  registry: IotRegistry;
  shadows: ShadowService;
  provision: (request: ProvisioningRequest) => Promise<ProvisioningReply>;
  /** Called with every lifecycle event, after it is published (the topic rules listen here). */
  onLifecycle: (topic: string, event: PresenceEvent) => void;
  /** Called with every message a client publishes outside the reserved `$aws/` topics (the rules). */
  onPublish?: (topic: string, payload: Buffer) => void;
  tls: IotTlsFiles;
  /** The loopback address to serve on AWS's port (8883); an ephemeral port of 127.0.0.1 if omitted. */
  address?: string;
  now: () => number;
  log: (line: string) => void;
}

export interface Broker {
  bound: Bound;
  /**
   * Serves a shadow request that came another way (the IoT data plane over HTTPS): the same
   * service, whose answers and delta/documents messages go to MQTT subscribers as usual.
   */
  shadowRequest(thingName: string, op: 'get' | 'update', payload: Buffer): ShadowMessage[];
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { registry, now, log } = options;
  const connections = new WeakMap<Client, Connection>();
  const versions = new Map<string, number>();
  let closing = false;

  const allowed = (conn: Connection, action: string, resource: string): boolean => {
    const cert = registry.certificate(conn.certificateId);
    // Deactivating a certificate ends what it may do at once (AWS takes minutes; sooner is safer).
    if (!cert || cert.status !== 'ACTIVE') return false;
    return authorizeIot(registry, cert.policies, action, resource, conn.context);
  };

  const broker = await Aedes.createBroker({
    maxClientsIdLength: MAX_CLIENT_ID_BYTES,
    authenticate(client, _username, _password, done) {
      const refuse = () => {
        const err = new Error('Not authorized') as AuthenticateError;
        err.returnCode = 5;
        done(err, null);
      };
      const socket = client.conn as TLSSocket;
      const raw = socket.getPeerCertificate?.(true)?.raw;
      if (!raw || !client.id || Buffer.byteLength(client.id) > MAX_CLIENT_ID_BYTES) return refuse();
      const certificateId = certificateIdOf(raw);
      const cert = registry.certificate(certificateId);
      if (!cert || cert.status !== 'ACTIVE') return refuse();
      const thing = registry.thing(client.id);
      const context: Record<string, string> = { 'iot:ClientId': client.id };
      if (thing) {
        context['iot:Connection.Thing.ThingName'] = thing.thingName;
        context['iot:Connection.Thing.IsAttached'] = String(thing.principals.includes(certificateId));
      }
      const conn: Connection = {
        certificateId,
        clientId: client.id,
        context,
        sessionIdentifier: randomUUID().replace(/-/g, ''),
        versionNumber: 0,
        ipAddress: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      };
      if (!authorizeIot(registry, cert.policies, 'iot:Connect', `${IOT_ARN}:client/${client.id}`, context)) {
        log(`iot: refused CONNECT of ${client.id}`);
        return refuse();
      }
      // A second connection with the same client id takes over; the first one's event says why.
      const previous = (broker as unknown as { clients: Record<string, Client> }).clients[client.id];
      const previousConn = previous && connections.get(previous);
      if (previousConn) previousConn.reason = 'DUPLICATE_CLIENTID';
      connections.set(client, conn);
      done(null, true);
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null);
      const conn = connections.get(client);
      if (
        !conn ||
        packet.qos > 1 ||
        packet.payload.length > MAX_PAYLOAD_BYTES ||
        (packet.retain && packet.topic.startsWith('$aws/')) ||
        !allowed(conn, 'iot:Publish', `${IOT_ARN}:topic/${packet.topic}`)
      ) {
        if (conn) conn.reason = 'FORBIDDEN_ACCESS';
        log(`iot: ${client.id} may not publish to ${packet.topic}; disconnecting`);
        return callback(new Error('Not authorized'));
      }
      callback(null);
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      if (isProvisioningRequest(packet.topic)) {
        answerPrivately(client, conn, packet.topic, payload).catch((err: Error) =>
          log(`iot: provisioning reply to ${client.id} failed: ${err.message}`),
        );
        return;
      }
      const shadow = SHADOW_REQUEST.exec(packet.topic);
      if (shadow) publishAll(options.shadows.handle(shadow[1]!, shadow[2] as 'get' | 'update', payload));
      else if (!packet.topic.startsWith('$') && !closing) options.onPublish?.(packet.topic, payload);
    },
    authorizeSubscribe(client, subscription, callback) {
      const conn = connections.get(client);
      if (!conn || !allowed(conn, 'iot:Subscribe', `${IOT_ARN}:topicfilter/${subscription.topic}`)) {
        if (conn) conn.reason = 'FORBIDDEN_ACCESS';
        log(`iot: ${client.id} may not subscribe to ${subscription.topic}; disconnecting`);
        return callback(new Error('Not authorized'));
      }
      // AWS IoT supports QoS 0 and 1; a QoS 2 request is served as QoS 1.
      callback(null, { ...subscription, qos: Math.min(subscription.qos, 1) as 0 | 1 });
    },
    authorizeForward(client, packet) {
      // Requests to the provisioning service are for the service alone.
      if (isProvisioningRequest(packet.topic)) return null;
      const conn = connections.get(client);
      if (!conn || !allowed(conn, 'iot:Receive', `${IOT_ARN}:topic/${packet.topic}`)) return null;
      return packet;
    },
  });

  /** Replies on the requesting connection only, and only if it subscribed to the reply topic. */
  async function answerPrivately(client: Client, conn: Connection, topic: string, payload: Buffer) {
    const reply = await options.provision({
      topic,
      payload,
      clientId: conn.clientId,
      claimCertificateId: conn.certificateId,
    });
    const subscriptions = (client as unknown as { subscriptions: Record<string, { qos: number }> })
      .subscriptions;
    const match = Object.entries(subscriptions ?? {}).find(([filter]) => topicMatches(filter, reply.topic));
    if (!match || client.closed) return;
    client.publish(
      {
        cmd: 'publish',
        topic: reply.topic,
        payload: Buffer.from(JSON.stringify(reply.payload)),
        qos: Math.min(match[1].qos, 1) as 0 | 1,
        retain: false,
        dup: false,
      },
      // aedes calls this when the delivery is written; it must be given.
      () => undefined,
    );
  }

  function publishAll(messages: ShadowMessage[]) {
    for (const message of messages) {
      broker.publish(
        {
          cmd: 'publish',
          topic: message.topic,
          payload: Buffer.from(JSON.stringify(message.payload)),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => undefined,
      );
    }
  }

  function lifecycle(conn: Connection, eventType: 'connected' | 'disconnected') {
    const event: PresenceEvent = {
      clientId: conn.clientId,
      timestamp: now(),
      eventType,
      sessionIdentifier: conn.sessionIdentifier,
      principalIdentifier: conn.certificateId,
      ...(eventType === 'connected' ? { ipAddress: conn.ipAddress } : {}),
      versionNumber: conn.versionNumber,
      ...(eventType === 'disconnected'
        ? {
            clientInitiatedDisconnect: conn.reason === 'CLIENT_INITIATED_DISCONNECT',
            disconnectReason: conn.reason ?? 'CONNECTION_LOST',
          }
        : {}),
    };
    // Client ids with wildcard characters get no lifecycle events on AWS.
    if (/[#+]/.test(conn.clientId)) return;
    const topic = `$aws/events/presence/${eventType}/${conn.clientId}`;
    publishAll([{ topic, payload: event as unknown as Record<string, never> }]);
    // While the cloud stops, its database stops too: the rules have nowhere to write.
    if (!closing) options.onLifecycle(topic, event);
  }

  broker.on('client', (client) => {
    const conn = connections.get(client);
    if (!conn) return;
    const version = (versions.get(conn.clientId) ?? -1) + 1;
    versions.set(conn.clientId, version);
    conn.versionNumber = version;
    lifecycle(conn, 'connected');
  });
  broker.on('keepaliveTimeout', (client) => {
    const conn = connections.get(client);
    if (conn) conn.reason ??= 'MQTT_KEEP_ALIVE_TIMEOUT';
  });
  broker.on('clientDisconnect', (client) => {
    const conn = connections.get(client);
    if (!conn) return;
    if ((client as unknown as { _disconnected?: boolean })._disconnected)
      conn.reason ??= 'CLIENT_INITIATED_DISCONNECT';
    if (closing) conn.reason ??= 'SERVER_INITIATED_DISCONNECT';
    lifecycle(conn, 'disconnected');
  });

  // As AWS IoT answers: each packet at once, not held back for the ACK of the one before.
  const server: Server = createServer({ ...mutualTlsOptions(options.tls), noDelay: true }, (socket) =>
    broker.handle(socket),
  );
  // A client that fails the TLS handshake (no or an unknown certificate) never reaches MQTT.
  server.on('tlsClientError', () => undefined);
  let bound: Bound;
  try {
    bound = await listenCameraEndpoint(
      server,
      options.address ?? '127.0.0.1',
      options.address ? AWS_PORTS.mqtt : 0,
      'the IoT message broker',
    );
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }

  return {
    bound,
    shadowRequest(thingName, op, payload) {
      const messages = options.shadows.handle(thingName, op, payload);
      publishAll(messages);
      return messages;
    },
    close: async () => {
      closing = true;
      server.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** The IoT answer for a certificate's policies: any explicit deny wins, else any allow. */
export function authorizeIot(
  registry: IotRegistry,
  policyNames: readonly string[],
  action: string,
  resource: string,
  context: RequestContext,
): boolean {
  let allow = false;
  for (const name of policyNames) {
    const policy = registry.policy(name);
    if (!policy) continue;
    const decision = evaluatePolicy(policy, action, resource, context);
    if (decision === 'ExplicitlyDenied') return false;
    if (decision === 'Allowed') allow = true;
  }
  return allow;
}

export type { AedesPublishPacket };
