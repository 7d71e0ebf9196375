import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { LOCAL_REGION } from '../constants';
import { sigv4Request } from './http';
import type { IdentityStore } from './identity';
import { isChannelArn, type ChannelStore } from './kvs-channels';
import { verifyPresignedUrl } from './sigv4';
import {
  CLIENT_ID,
  controlFrame,
  parseClientFrame,
  relayFrame,
  statusFrame,
  type Action,
} from './signaling-frames';

/**
 * The KVS signaling WebSocket (ConnectAsMaster / ConnectAsViewer): a presigned upgrade, then
 * routing of SDP offers, answers and ICE candidates between one master and its viewers, as the
 * service does (docs/design.md §6).
 */

export interface SignalingLimits {
  /** Largest WebSocket frame accepted; a larger one closes the socket (1009), as `ws` does. */
  maxFrameBytes: number;
  /** Largest messagePayload ("10k" in the KVS quotas). */
  maxPayloadChars: number;
  maxViewers: number;
  /** A connection with no frame (pings included) for this long is closed. */
  idleTimeoutMs: number;
  /** After this long a connection gets GO_AWAY, and is closed after the grace period. */
  maxConnectionMs: number;
  goAwayGraceMs: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = {
  maxFrameBytes: 64 * 1024,
  maxPayloadChars: 10 * 1024,
  maxViewers: 10,
  idleTimeoutMs: 10 * 60_000,
  maxConnectionMs: 60 * 60_000,
  goAwayGraceMs: 60_000,
};

export interface SignalingOptions {
  identities: IdentityStore;
  channels: ChannelStore;
  now: () => number;
  limits?: Partial<SignalingLimits>;
  log?: (line: string) => void;
}

interface Connection {
  ws: WebSocket;
  /** The viewer's X-Amz-ClientId; undefined for the master. */
  clientId?: string;
  timers: NodeJS.Timeout[];
}

interface Queued {
  senderClientId: string;
  action: Action;
  frame: string;
  expiresAt: number;
}

interface ChannelState {
  master?: Connection;
  viewers: Map<string, Connection>;
  /** Viewer messages sent while no master was connected, kept for the channel's MessageTtlSeconds. */
  toMaster: Queued[];
}

export function createSignaling(options: SignalingOptions) {
  const limits = { ...DEFAULT_SIGNALING_LIMITS, ...options.limits };
  const { identities, channels, now } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes });
  const states = new Map<string, ChannelState>();
  const state = (arn: string) => {
    let found = states.get(arn);
    if (!found) states.set(arn, (found = { viewers: new Map(), toMaster: [] }));
    return found;
  };

  channels.onDelete((channel) => {
    const found = states.get(channel.arn);
    states.delete(channel.arn);
    for (const conn of [found?.master, ...(found?.viewers.values() ?? [])])
      conn?.ws.close(1001, 'Channel deleted');
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const verified = verifyPresignedUrl(sigv4Request(req), identities, {
      service: 'kinesisvideo',
      region: LOCAL_REGION,
      now: now(),
    });
    if (!verified.ok) {
      const status = verified.kind === 'incomplete' ? 400 : 403;
      const code = verified.kind === 'expired-token' ? 'ExpiredTokenException' : 'AccessDeniedException';
      return refuse(socket, status, code, verified.message);
    }
    const query = new URL(req.url ?? '/', 'https://localhost').searchParams;
    const arn = query.get('X-Amz-ChannelARN');
    if (!isChannelArn(arn))
      return refuse(socket, 400, 'InvalidArgumentException', 'X-Amz-ChannelARN is not a valid channel ARN.');
    // The KVS SDK sends a client id only as a viewer; a master never has one.
    const clientId = query.get('X-Amz-ClientId') ?? undefined;
    if (clientId !== undefined && (!CLIENT_ID.test(clientId) || /^aws_/i.test(clientId))) {
      return refuse(socket, 400, 'InvalidArgumentException', 'X-Amz-ClientId is not valid.');
    }
    const action = clientId === undefined ? 'kinesisvideo:ConnectAsMaster' : 'kinesisvideo:ConnectAsViewer';
    const decision = identities.authorize(verified.credential.principal, action, arn);
    if (!decision.allowed) return refuse(socket, 403, 'AccessDeniedException', decision.message);
    const channel = channels.byArn(arn);
    if (!channel)
      return refuse(
        socket,
        404,
        'ResourceNotFoundException',
        'The requested channel is not found or not active.',
      );
    const current = state(arn);
    if (
      clientId !== undefined &&
      !current.viewers.has(clientId) &&
      current.viewers.size >= limits.maxViewers
    ) {
      return refuse(socket, 400, 'ClientLimitExceededException', 'The channel has reached its viewer limit.');
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, arn, clientId));
  }

  function attach(ws: WebSocket, arn: string, clientId: string | undefined): void {
    const conn: Connection = { ws, clientId, timers: [] };
    const current = state(arn);
    // The newest connection for a role and client id takes over routing; the older one stays
    // open (AWS does not document closing it) but receives nothing more.
    if (clientId === undefined) current.master = conn;
    else current.viewers.set(clientId, conn);
    options.log?.(
      `signaling: ${clientId === undefined ? 'master' : `viewer ${clientId}`} connected to ${arn}`,
    );

    const idle = setTimeout(() => ws.close(1001, 'Idle timeout'), limits.idleTimeoutMs);
    const goAway = setTimeout(() => {
      send(conn, controlFrame('GO_AWAY'));
      conn.timers.push(setTimeout(() => ws.close(1001, 'Maximum connection duration'), limits.goAwayGraceMs));
    }, limits.maxConnectionMs);
    conn.timers.push(idle, goAway);
    // Timers never keep a stopping cloud alive; closing the sockets clears them anyway.
    idle.unref();
    goAway.unref();
    const active = () => idle.refresh();

    ws.on('ping', active);
    ws.on('pong', active);
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      active();
      // KVS speaks text frames only; binary ones are dropped, as is anything unparseable.
      if (isBinary) return;
      try {
        route(conn, arn, rawText(data));
      } catch (err) {
        options.log?.(`signaling: dropped a frame: ${(err as Error).message}`);
      }
    });
    ws.on('close', () => {
      conn.timers.forEach(clearTimeout);
      const found = states.get(arn);
      if (!found) return;
      if (clientId === undefined && found.master === conn) found.master = undefined;
      if (clientId !== undefined && found.viewers.get(clientId) === conn) found.viewers.delete(clientId);
    });

    if (clientId === undefined) deliverQueued(current, conn);
  }

  function route(sender: Connection, arn: string, text: string): void {
    const parsed = parseClientFrame(text, limits.maxPayloadChars);
    if (!parsed.ok) {
      if (parsed.correlationId)
        send(sender, statusFrame(parsed.correlationId, 'InvalidArgumentException', 400, parsed.description));
      return;
    }
    const { frame } = parsed;
    const current = state(arn);
    if (sender.clientId !== undefined) {
      // A viewer always talks to the master, whatever recipient it names; viewers never see each other.
      const relayed = relayFrame(frame.action, frame.messagePayload, sender.clientId);
      if (current.master) return send(current.master, relayed);
      const ttl = (channels.byArn(arn)?.messageTtlSeconds ?? 60) * 1000;
      // A newer offer from a viewer replaces its undelivered one, and the candidates that went with it.
      if (frame.action === 'SDP_OFFER')
        current.toMaster = current.toMaster.filter((q) => q.senderClientId !== sender.clientId);
      current.toMaster.push({
        senderClientId: sender.clientId,
        action: frame.action,
        frame: relayed,
        expiresAt: now() + ttl,
      });
      return;
    }
    const fail = (description: string) => {
      if (frame.correlationId)
        send(sender, statusFrame(frame.correlationId, 'InvalidArgumentException', 400, description));
    };
    if (!frame.recipientClientId) return fail('RecipientClientId is required when the master sends.');
    const viewer = current.viewers.get(frame.recipientClientId);
    if (!viewer) return fail('Recipient not connected.');
    // Messages to a viewer carry one constant, empty sender: the viewer's only peer is the master.
    send(viewer, relayFrame(frame.action, frame.messagePayload, ''));
  }

  function deliverQueued(current: ChannelState, master: Connection): void {
    const pending = current.toMaster.filter((q) => q.expiresAt > now());
    current.toMaster = [];
    for (const queued of pending) send(master, queued.frame);
  }

  /** Sends GO_AWAY or RECONNECT_ICE_SERVER to every connection on a channel (to test client recovery). */
  function inject(arn: string, messageType: 'GO_AWAY' | 'RECONNECT_ICE_SERVER'): number {
    const found = states.get(arn);
    const conns = [found?.master, ...(found?.viewers.values() ?? [])].filter((c): c is Connection => !!c);
    for (const conn of conns) send(conn, controlFrame(messageType));
    return conns.length;
  }

  function close(): void {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    states.clear();
  }

  return { handleUpgrade, inject, close };
}

function send(conn: Connection, text: string): void {
  if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(text);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as Buffer).toString('utf8');
}

/** Refuses an upgrade with an HTTP answer, as the service does before any WebSocket exists. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `Date: ${new Date().toUTCString()}`,
      `x-amzn-RequestId: ${randomUUID()}`,
      `x-amzn-ErrorType: ${code}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
