import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IceServer } from '@aws-sdk/client-kinesis-video-signaling';
import { stopChild } from './child-process';
import { waitFor } from './ports';

/**
 * The local cloud's TURN/STUN server: coturn from the distribution, on one loopback address of
 * the cloud's own (see endpoints.ts), relaying only on that address. It checks credentials with
 * the TURN REST API scheme coturn implements (`--use-auth-secret`): the username is
 * `<expiry epoch>:<name>` and the password base64(HMAC-SHA1(secret, username)), so GetIceServerConfig
 * can mint credentials that expire, as KVS's do, without telling coturn about each one.
 */

export const TURN_PORT = 3478;
/** What KVS answers for its TURN credentials' lifetime, in seconds. */
export const TURN_TTL_SECONDS = 300;
const REALM = 'sightline.local';
const TURNSERVER = 'turnserver';

export interface TurnServer {
  address: string;
  secret: string;
  stop: () => Promise<void>;
}

/** Whether coturn's `turnserver` is on the PATH. */
export function turnserverInstalled(): boolean {
  return spawnSync(TURNSERVER, ['--help'], { stdio: 'ignore' }).error === undefined;
}

export const TURN_MISSING =
  'Warning: coturn is not installed, so GetIceServerConfig offers no TURN server and relay-only ' +
  'video cannot connect. Install it with: sudo apt-get install coturn';

/**
 * Starts coturn on `address`:3478 (UDP and TCP), with its configuration, database, pid file and
 * log under `dir`, and resolves once it answers a STUN Binding request.
 */
export async function startTurnServer(options: {
  dir: string;
  address: string;
  secret?: string;
}): Promise<TurnServer> {
  const { dir, address } = options;
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  mkdirSync(dir, { recursive: true });
  // The secret goes in a file only this user reads, not on a command line every user can see.
  // Naming a file also keeps coturn from reading the system's /etc/turnserver.conf.
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(conf, `static-auth-secret=${secret}\n`, { mode: 0o600 });
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      ...['-c', conf],
      `--listening-ip=${address}`,
      `--relay-ip=${address}`,
      `--listening-port=${TURN_PORT}`,
      '--min-port=49152',
      '--max-port=65535',
      '--use-auth-secret',
      `--realm=${REALM}`,
      // Every peer of the local cloud is on this machine, reached over loopback.
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--no-software-attribute',
      `--log-file=${join(dir, 'turnserver.log')}`,
      '--simple-log',
      '--no-stdout-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<never>((_, fail) => {
    child.once('error', fail);
    child.once('exit', (code) =>
      fail(new Error(`turnserver exited (${code}); see ${join(dir, 'turnserver.log')}`)),
    );
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([
      waitFor(`TURN server on ${address}:${TURN_PORT}`, () => stunBinding(address)),
      exited,
    ]);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, secret, stop: () => stopChild(child) };
}

/**
 * TURN credentials as GetIceServerConfig returns them: one server, reached over UDP or TCP, with
 * a username and password coturn accepts until `Ttl` seconds from `now`.
 */
export function turnIceServers(
  turn: { address: string; secret: string },
  now: number,
  name: string,
): IceServer[] {
  const username = `${Math.floor(now / 1000) + TURN_TTL_SECONDS}:${name}`;
  return [
    {
      Uris: [
        `turn:${turn.address}:${TURN_PORT}?transport=udp`,
        `turn:${turn.address}:${TURN_PORT}?transport=tcp`,
      ],
      Username: username,
      Password: createHmac('sha1', turn.secret).update(username).digest('base64'),
      Ttl: TURN_TTL_SECONDS,
    },
  ];
}

/** One STUN Binding request over UDP (RFC 5389); resolves when its success response arrives. */
function stunBinding(address: string): Promise<void> {
  const id = randomBytes(12);
  // Type 0x0001 (Binding request), no attributes, the magic cookie, the transaction id.
  const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), id]);
  return new Promise((ok, fail) => {
    const socket = createSocket('udp4');
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (err) fail(err);
      else ok();
    };
    const timer = setTimeout(() => done(new Error('no STUN answer')), 200);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      if (msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(id)) done();
    });
    socket.send(request, TURN_PORT, address);
  });
}
