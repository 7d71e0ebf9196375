import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * Starts a local cloud exactly as `npm start` does, on a free port, with its own state folder, and
 * resolves once its outputs file exists: by default afresh and in memory; with `persist`, on what
 * the folder holds, keeping what it does (as `npm start` does). It runs in its own process group
 * so that `stopCloud` can end it and everything under it at once.
 */
export async function startCloud(
  stateDir: string,
  timeoutMs = 120_000,
  options: { persist?: boolean; camera?: 'simulated' | 'c-engine' } = {},
): Promise<ChildProcess> {
  const outputs = join(stateDir, 'outputs.json');
  rmSync(outputs, { force: true });
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'local', 'start.ts'),
      ...['--state', stateDir, '--port', '0'],
      // BENCH_DEBUG shows the cloud's own log (the demo camera's among it).
      ...(process.env.BENCH_DEBUG ? [] : ['--quiet']),
      ...(options.persist ? [] : ['--reset', '--memory']),
      ...(options.camera ? ['--camera', options.camera] : []),
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      detached: true,
    },
  );
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(outputs)) {
    if (child.exitCode !== null)
      throw new Error(`The local cloud exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) {
      signal(-child.pid!, 'SIGKILL');
      throw new Error(`The local cloud did not become ready within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

/** Stops a cloud from `startCloud`: its whole process group, forcefully if it lingers. */
export async function stopCloud(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  signal(-child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  signal(-child.pid, 'SIGKILL');
}

function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(group, name);
  } catch {
    // The group is already gone.
  }
}
