import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignalingClient, Role } from 'amazon-kinesis-video-streams-webrtc';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Agent } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLocalAws, type LocalAws, type LocalAwsOptions } from '../../local/aws';
import { ensureTls } from '../../local/tls';

/**
 * Helpers for driving the AWS emulators with the real clients: AWS SDK v3 configuration trusting
 * a CA, the KVS WebRTC SDK's SignalingClient in Node, and a private emulator instance with its
 * own clock for what the shared cloud cannot do (register test roles, move time).
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const ADMIN: Credentials = { accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'local-admin-secret' };

/** Options for any AWS SDK v3 client: region, credentials, and a handler trusting the local CA. */
export function sdkConfig(agent: Agent, credentials: Credentials, endpoint: string) {
  return {
    region: 'us-east-1',
    endpoint,
    credentials,
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    // A refused call should fail the test at once, not after retries.
    maxAttempts: 1,
  };
}

/**
 * The KVS SDK opens its socket with `new (WebSocket || require('ws'))(url)`: Node 20 has no global
 * WebSocket, and `ws` would not trust the local CA, so tests install a `ws` subclass that does.
 */
export function installTrustingWebSocket(ca: Buffer | string): void {
  class TrustingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = TrustingWebSocket;
}

export interface SignalingConfig {
  channelARN: string;
  channelEndpoint: string;
  credentials: Credentials;
  /** Present for a viewer, absent for the master (as the KVS SDK requires). */
  clientId?: string;
}

/** Opens a SignalingClient (viewer when a clientId is given) and resolves once it is open. */
export function openSignaling(config: SignalingConfig): Promise<SignalingClient> {
  const client = new SignalingClient({
    ...config,
    role: config.clientId ? Role.VIEWER : Role.MASTER,
    region: 'us-east-1',
  });
  opened.push(client);
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client));
    client.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error('signaling error')));
    client.once('close', () => reject(new Error('closed before open')));
    client.open();
  });
}

const opened: SignalingClient[] = [];

/** Closes every SignalingClient a test file opened. */
export function closeSignaling(): void {
  for (const client of opened.splice(0)) {
    try {
      client.close();
    } catch {
      // Already closed.
    }
  }
}

/** Resolves with the next emission of `event` on a SignalingClient, or fails after `ms`. */
export function next<T extends unknown[]>(client: SignalingClient, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    client.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

/** Opens a raw `ws` socket; resolves when open, or with the HTTP status that refused the upgrade. */
export function rawSocket(url: string, ca: Buffer | string): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', () => resolve({}));
  });
}

export interface PrivateAws {
  aws: LocalAws;
  origin: string;
  ca: string;
  agent: Agent;
  /** Moves the emulators' clock forward (or back) by this many ms. */
  advance: (ms: number) => void;
  close: () => Promise<void>;
}

/** A private instance of the emulators on its own HTTPS port, with a clock the test controls. */
export async function startPrivateAws(options: Partial<LocalAwsOptions> = {}): Promise<PrivateAws> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-aws-'));
  const tls = await ensureTls(dir);
  let offset = 0;
  const server = createServer({ cert: tls.certPem, key: tls.keyPem });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  const aws = createLocalAws({ origin, now: () => Date.now() + offset, ...options });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void aws.handleRequest(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!aws.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const agent = new Agent({ ca: tls.caCertPem });
  return {
    aws,
    origin,
    ca: tls.caCertPem,
    agent,
    advance: (ms) => (offset += ms),
    close: async () => {
      aws.close();
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
