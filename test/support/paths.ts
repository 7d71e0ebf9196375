import { join } from 'node:path';

/** The test run's own local cloud state, apart from a developer's `.local/`. */
export const TEST_STATE_DIR = join(__dirname, '..', '..', '.local-test');
export const TEST_OUTPUTS = join(TEST_STATE_DIR, 'outputs.json');
export const REPO_ROOT = join(__dirname, '..', '..');
