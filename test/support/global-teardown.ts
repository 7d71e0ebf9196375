import type { ChildProcess } from 'node:child_process';

/** Stops the shared local cloud: its whole process group, forcefully if it lingers. */
export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __sightlineCloud?: ChildProcess }).__sightlineCloud;
  if (!child?.pid || child.exitCode !== null) return;
  const group = -child.pid;
  const exited = new Promise((r) => child.once('exit', r));
  signal(group, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  // Whatever is left of the group (a child that ignored SIGTERM) goes now.
  signal(group, 'SIGKILL');
}

function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(group, name);
  } catch {
    // The group is already gone.
  }
}
