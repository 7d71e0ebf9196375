import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths';

/**
 * `npm start` itself: its ready line, Ctrl-C stopping everything it started, and a clear word
 * when the port is taken. These start their own cloud, since stopping it is what they test.
 */
const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function start(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [TSX, join(REPO_ROOT, 'local', 'start.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Every process below `pid`, from /proc (this suite runs on Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  const state = mkdtempSync(join(tmpdir(), 'sightline-start-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  test('prints its ready line, and Ctrl-C stops every process it started', async () => {
    const { child, output } = start(['--state', state, '--port', '0', '--memory']);
    try {
      await until(
        'the ready line',
        () => /ready in [\d.]+ s at https:\/\/localhost:\d+/.test(output()),
        60_000,
      );
      expect(output()).toMatch(/owner: +owner@example\.com/);
      expect(existsSync(join(state, 'outputs.json'))).toBe(true);
      const started = descendants(child.pid!);
      // At least the cloud itself (under tsx), DynamoDB Local's JVM and cognito-local.
      expect(started.length).toBeGreaterThanOrEqual(3);

      child.kill('SIGINT');
      expect(
        await Promise.race([exited(child), new Promise((r) => setTimeout(() => r('still running'), 15_000))]),
      ).toBe(0);
      await until('every child to end', () => started.every((pid) => !alive(pid)), 5_000);
      expect(existsSync(join(state, 'outputs.json'))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a port already in use gets a clear message and no half-started cloud', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as { port: number };
    try {
      const { child, output } = start(['--state', state, '--port', String(port), '--memory']);
      expect(await exited(child)).toBe(1);
      expect(output()).toContain(`Port ${port} (the local cloud) is already in use`);
    } finally {
      blocker.close();
    }
  });
});
