import { join } from 'node:path';

/**
 * The bench's local cloud state, apart from the tests'. Imported first by ./run.ts: the test
 * helpers it reuses (organisations, dispatchers, invites) read the cloud's outputs from
 * `SIGHTLINE_TEST_STATE` when they load.
 */
export const BENCH_STATE_DIR = join(__dirname, '..', '..', '.local-bench');
process.env.SIGHTLINE_TEST_STATE = BENCH_STATE_DIR;
