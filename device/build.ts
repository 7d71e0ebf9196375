/**
 * Bundles the device agent into one file for the camera: `dist/device/sightline-agent.mjs`, an
 * ES module with a shebang, run by Node 20+ (`node sightline-agent.mjs --config …`), with all its
 * dependencies inside. Beside it goes `sightline-engine-simulated.mjs`, the simulated engine, which
 * only the local cloud and tests use: it holds the AWS SDK and the KVS JS SDK (and loads the native
 * `@roamhq/wrtc` from node_modules), which a camera running the C SDK never needs in memory.
 *
 *   npx tsx device/build.ts [--outfile <file>] [--no-minify]
 */
import { chmodSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { SIMULATED_ENGINE_BUNDLE } from './agent/engines';

const repoRoot = path.resolve(__dirname, '..');
export const AGENT_BUNDLE = path.join(repoRoot, 'dist', 'device', 'sightline-agent.mjs');

/**
 * V8 settings for a small, mostly idle process (docs/design.md §7: RSS ≤ 60 MB): no optimising
 * compiler (the agent waits on sockets; it has no hot loops), a 1 MB young generation, a 32 MB old
 * generation cap and one background compiler thread. The bundle's shebang and the systemd unit
 * pass them; the bench runs the agent with them.
 */
export const AGENT_NODE_FLAGS = [
  '--lite-mode',
  // Implied by --lite-mode; said outright so V8 does not warn about it on every start.
  '--no-expose-wasm',
  '--max-semi-space-size=1',
  '--max-old-space-size=32',
  '--v8-pool-size=1',
];

export async function buildAgent(
  options: { outfile?: string; minify?: boolean } = {},
): Promise<{ outfile: string; bytes: number }> {
  const outfile = path.resolve(options.outfile ?? AGENT_BUNDLE);
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: options.minify ?? true,
    legalComments: 'none',
    external: ['@roamhq/wrtc'],
    define: { __AGENT_VERSION__: JSON.stringify(version) },
    // CommonJS dependencies (mqtt, the AWS SDK) call require(); give the module one.
    banner: {
      js: [
        `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(' ')}`,
        "import { createRequire as __createRequire } from 'node:module';",
        'const require = __createRequire(import.meta.url);',
      ].join('\n'),
    },
    logLevel: 'warning',
  };
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(__dirname, 'agent', 'main.ts')], outfile }),
    esbuild.build({
      ...common,
      entryPoints: [path.join(__dirname, 'engines', 'simulated-main.ts')],
      outfile: path.join(path.dirname(outfile), SIMULATED_ENGINE_BUNDLE),
    }),
  ]);
  chmodSync(outfile, 0o755);
  return { outfile, bytes: statSync(outfile).size };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { outfile: { type: 'string' }, 'no-minify': { type: 'boolean', default: false } },
  });
  buildAgent({ outfile: values.outfile, minify: !values['no-minify'] }).then(
    ({ outfile, bytes }) =>
      console.log(`${path.relative(process.cwd(), outfile)}  ${(bytes / 1024).toFixed(0)} KB`),
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
