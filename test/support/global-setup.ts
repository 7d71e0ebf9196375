import { startCloud } from './start-cloud';
import { TEST_STATE_DIR } from './paths';

/** Starts ONE local cloud for the whole run; tests find it through `.local-test/outputs.json`. */
export default async function globalSetup(): Promise<void> {
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in tests.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  (globalThis as { __sightlineCloud?: unknown }).__sightlineCloud = await startCloud(TEST_STATE_DIR);
  process.stdout.write(`\nlocal cloud ready in ${Date.now() - started} ms\n`);
}
