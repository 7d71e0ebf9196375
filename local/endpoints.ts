import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { resolve } from 'node:path';

/**
 * Where cameras reach the local cloud. A camera built on the KVS WebRTC C SDK talks to AWS as AWS
 * names its endpoints: a host and no port, the HTTPS and WSS calls and the IoT credentials
 * provider on 443 and MQTT on 8883. So each service a camera calls gets a loopback address of its
 * own, on AWS's port. The addresses come from the state folder's path, so clouds on different
 * folders (`npm start`, the tests, the bench) never collide, and a restart on one folder hands
 * its camera the same endpoints as before.
 */
export interface CameraAddresses {
  /** The KVS control plane, a channel's HTTPS endpoint and its signaling WebSocket (443). */
  kvs: string;
  /** The IoT credentials provider (443). */
  credentials: string;
  /** The IoT message broker (8883). */
  iot: string;
  /** The TURN/STUN server (3478) and its relay ports. */
  turn: string;
}

export const AWS_PORTS = { https: 443, mqtt: 8883 } as const;

/** `127.A.B.1` to `.4`, with A in 1..254 (never 127.0.x.x, which hosts and tools use). */
export function cameraAddresses(stateDir: string): CameraAddresses {
  const hash = createHash('sha256').update(resolve(stateDir)).digest();
  const prefix = `127.${1 + (hash[0]! % 254)}.${hash[1]!}`;
  return { kvs: `${prefix}.1`, credentials: `${prefix}.2`, iot: `${prefix}.3`, turn: `${prefix}.4` };
}

/** An endpoint as AWS names it: the bare host on AWS's own port, `host:port` otherwise. */
export function endpointOf(host: string, port: number, awsPort: number): string {
  return port === awsPort ? host : `${host}:${port}`;
}

/** The host and port of an endpoint from `endpointOf`. */
export function splitEndpoint(endpoint: string, awsPort: number): { host: string; port: number } {
  const [host, port] = endpoint.split(':') as [string, string | undefined];
  return { host, port: port === undefined ? awsPort : Number(port) };
}

export interface Bound {
  host: string;
  port: number;
  /** False when AWS's port was refused (EACCES) and an ephemeral one was taken instead. */
  awsPort: boolean;
}

/**
 * Listens on `host:port`. Where the port is privileged and this process may not bind it, it
 * listens on an ephemeral port of the same address instead (the caller warns once). An address
 * already taken is an error that says who holds it.
 */
export async function listenCameraEndpoint(
  server: Server,
  host: string,
  port: number,
  what: string,
): Promise<Bound> {
  const attempt = (p: number) =>
    new Promise<void>((ok, fail) => {
      const onError = (err: Error) => fail(err);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        ok();
      });
    });
  try {
    await attempt(port);
    return { host, port: (server.address() as { port: number }).port, awsPort: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      await attempt(0);
      return { host, port: (server.address() as { port: number }).port, awsPort: false };
    }
    if (code === 'EADDRINUSE') {
      const holder = whoListens(host, port);
      throw new Error(
        `${host}:${port} (${what}) is already in use${holder ? ` by ${holder}` : ''}. ` +
          'Is another local cloud running on the same state folder? Stop it first.',
        { cause: err },
      );
    }
    throw err;
  }
}

/** The warning for endpoints that could not get AWS's ports, or undefined if all did. */
export function privilegedPortWarning(bound: { what: string; bound: Bound }[]): string | undefined {
  const moved = bound.filter((b) => !b.bound.awsPort);
  if (moved.length === 0) return undefined;
  return [
    'Warning: this process may not listen on ports below 1024, so the camera endpoints carry ports:',
    ...moved.map((b) => `  ${b.what}: ${b.bound.host}:${b.bound.port}`),
    'The simulated camera and the browser work as they are; a camera on the KVS C SDK needs ports 443',
    'and 8883 (it never adds a port). Allow them, then start again, with either of:',
    '  sudo setcap cap_net_bind_service=+ep "$(command -v node)"',
    '  sudo sysctl net.ipv4.ip_unprivileged_port_start=443',
  ].join('\n');
}

/**
 * The process listening on an IPv4 TCP address, from /proc (Linux), as `pid N (command)`; undefined
 * where that cannot be read (another OS, another user's process, another network namespace).
 */
export function whoListens(host: string, port: number): string | undefined {
  try {
    const hex =
      host
        .split('.')
        .reverse()
        .map((n) => Number(n).toString(16).padStart(2, '0'))
        .join('')
        .toUpperCase() + `:${port.toString(16).padStart(4, '0').toUpperCase()}`;
    const wildcard = `00000000:${hex.split(':')[1]!}`;
    const inode = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      // Columns: sl, local_address, rem_address, st (0A is LISTEN), ..., inode (10th).
      .find((cols) => (cols[1] === hex || cols[1] === wildcard) && cols[3] === '0A')?.[9];
    if (!inode) return undefined;
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target = '';
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (target !== `socket:[${inode}]`) continue;
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return `pid ${pid} (${command.length > 160 ? `${command.slice(0, 157)}...` : command})`;
      }
    }
  } catch {
    // Not Linux, or /proc not readable: the message goes without the holder.
  }
  return undefined;
}
