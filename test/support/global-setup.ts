import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TEST_OUTPUTS, TEST_STATE_DIR } from './paths';

/**
 * Starts ONE local cloud for the whole run, exactly as `npm start` does but on a free port, in
 * memory, with its own state folder. Tests find it through `.local-test/outputs.json`.
 */
export default async function globalSetup(): Promise<void> {
  rmSync(TEST_OUTPUTS, { force: true });
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in tests.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'local', 'start.ts'),
      '--state',
      TEST_STATE_DIR,
      '--port',
      '0',
      '--reset',
      '--memory',
      '--quiet',
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      // Its own process group, so the teardown can stop the cloud and everything under it at once.
      detached: true,
    },
  );
  (globalThis as { __sightlineCloud?: typeof child }).__sightlineCloud = child;
  const deadline = Date.now() + 120_000;
  while (!existsSync(TEST_OUTPUTS)) {
    if (child.exitCode !== null)
      throw new Error(`The local cloud exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error('The local cloud did not become ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(`\nlocal cloud ready in ${Date.now() - started} ms\n`);
}
