import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ENGINE_BINARY } from '../../local/live';

/**
 * The C media engine (device/engine/) as tests find it: its binary, which CI builds first
 * (`npm run build:engine`), and its running processes.
 */

/** The engine's path; a missing build fails the test with what to run, never skips it. */
export function requireEngine(): string {
  if (!existsSync(ENGINE_BINARY)) throw new Error(`${ENGINE_BINARY} is missing: run npm run build:engine`);
  return ENGINE_BINARY;
}

/** The pids of the engines running on `channel` (the thing name), read from their command lines. */
export function enginePids(channel: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // It has just exited.
    }
    const at = argv.indexOf('--channel');
    if (argv[0] === ENGINE_BINARY && at > 0 && argv[at + 1] === channel) pids.push(Number(entry));
  }
  return pids;
}
