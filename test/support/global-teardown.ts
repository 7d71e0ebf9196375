import type { ChildProcess } from 'node:child_process';
import { stopCloud } from './start-cloud';

export default async function globalTeardown(): Promise<void> {
  await stopCloud((globalThis as { __sightlineCloud?: ChildProcess }).__sightlineCloud);
}
