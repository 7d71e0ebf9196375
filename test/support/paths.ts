import { join } from 'node:path';

/**
 * The test run's own local cloud state, apart from a developer's `.local/`. SIGHTLINE_TEST_STATE
 * names another folder, so that two runs on one machine each get a cloud of their own.
 */
export const TEST_STATE_DIR = process.env.SIGHTLINE_TEST_STATE ?? join(__dirname, '..', '..', '.local-test');
export const TEST_OUTPUTS = join(TEST_STATE_DIR, 'outputs.json');
export const REPO_ROOT = join(__dirname, '..', '..');
