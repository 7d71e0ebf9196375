/**
 * Bundles the device agent into one file for the camera: `dist/device/sightline-agent.mjs`, an
 * ES module with a shebang, run by Node 20+ (`node sightline-agent.mjs --config …`). Everything is
 * inside except `@roamhq/wrtc`, a native module only the simulated engine loads (a camera with the
 * C SDK never needs it).
 *
 *   npx tsx device/build.ts [--outfile <file>] [--no-minify]
 */
import { chmodSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(__dirname, '..');
export const AGENT_BUNDLE = path.join(repoRoot, 'dist', 'device', 'sightline-agent.mjs');

export async function buildAgent(
  options: { outfile?: string; minify?: boolean } = {},
): Promise<{ outfile: string; bytes: number }> {
  const outfile = path.resolve(options.outfile ?? AGENT_BUNDLE);
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'agent', 'main.ts')],
    outfile,
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
        '#!/usr/bin/env node',
        "import { createRequire as __createRequire } from 'node:module';",
        'const require = __createRequire(import.meta.url);',
      ].join('\n'),
    },
    logLevel: 'warning',
  });
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
