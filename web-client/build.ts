/**
 * Builds the web client: two pages, each with one hashed ESM bundle and one hashed stylesheet
 * under `assets/`, and the favicon. `index.html` is the signed-in app (owner and dispatcher);
 * `c/index.html` is the caller's page, a separate small bundle with no sign-in code, so it loads
 * fast on a phone. No inline scripts or styles, so the strict CSP in `security-headers.ts` holds.
 *
 *   npx tsx web-client/build.ts --outdir <dir> [--no-minify] [--watch]
 *
 * Paths resolve from this file, so it works from any working directory (the CDK runs it at synth).
 * `config.json` is not part of the build: the stack (or the local cloud) serves it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const webClientDir = __dirname;
const repoRoot = path.resolve(webClientDir, '..');
const ASSETS = 'assets';

export interface BuildOptions {
  /** Minify and build React for production (default true). */
  minify?: boolean;
  /** Keep rebuilding on change until `stop()` is called. */
  watch?: boolean;
}

/** One page's bundle and stylesheet, relative to `outdir`, e.g. `assets/app-ABC123.js`. */
export interface PageAssets {
  js: string;
  css: string;
}

export interface BuildResult extends PageAssets {
  outdir: string;
  /** The caller's page (`c/index.html`). */
  caller: PageAssets;
  /** Every file written, relative to `outdir`, with its size in bytes. */
  files: { file: string; bytes: number }[];
  ms: number;
  /** Stops watching (a no-op for a one-off build). */
  stop: () => Promise<void>;
}

export async function buildWebClient(outdir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const minify = options.minify ?? true;
  const out = path.resolve(outdir);
  await rm(path.join(out, ASSETS), { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  let latest: Omit<BuildResult, 'stop' | 'ms'> | undefined;
  const writeShell: esbuild.Plugin = {
    name: 'sightline-html',
    setup(build) {
      build.onEnd(async (result) => {
        if (result.errors.length > 0 || !result.metafile) return;
        const first = latest === undefined;
        latest = await writeShellFiles(out, result.metafile);
        if (options.watch && !first) console.log(`web-client rebuilt: ${latest.js}`);
      });
    },
  };

  const ctx = await esbuild.context({
    absWorkingDir: repoRoot,
    entryPoints: {
      app: path.join(webClientDir, 'src', 'main.tsx'),
      caller: path.join(webClientDir, 'src', 'caller', 'main.tsx'),
    },
    outdir: out,
    entryNames: `${ASSETS}/[name]-[hash]`,
    assetNames: `${ASSETS}/[name]-[hash]`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    jsx: 'automatic',
    metafile: true,
    write: true,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': JSON.stringify(minify ? 'production' : 'development'),
      // The KVS WebRTC SDK reads its version from the environment, which a browser does not have.
      'process.env.PACKAGE_VERSION': JSON.stringify(kvsSdkVersion()),
    },
    plugins: [writeShell],
  });

  try {
    await ctx.rebuild();
  } catch (err) {
    await ctx.dispose();
    throw err;
  }
  if (!latest) {
    await ctx.dispose();
    throw new Error('web-client build produced no output');
  }
  if (options.watch) await ctx.watch();
  else await ctx.dispose();
  return { ...latest, ms: performance.now() - started, stop: () => ctx.dispose() };
}

/** Writes both pages' HTML and the favicon, and removes assets left over from earlier watch rebuilds. */
async function writeShellFiles(
  out: string,
  metafile: esbuild.Metafile,
): Promise<Omit<BuildResult, 'stop' | 'ms'>> {
  const outputs = Object.keys(metafile.outputs).map((p) => path.relative(out, path.resolve(repoRoot, p)));
  const app = pageAssets(out, metafile, 'main.tsx');
  const caller = pageAssets(out, metafile, path.join('caller', 'main.tsx'));

  await writeFile(path.join(out, 'index.html'), indexHtml(await withSri(out, app)));
  await mkdir(path.join(out, 'c'), { recursive: true });
  await writeFile(
    path.join(out, 'c', 'index.html'),
    indexHtml({ ...(await withSri(out, caller)), title: 'Sightline', boot: 'Loading…' }),
  );
  await copyFile(path.join(webClientDir, 'favicon.svg'), path.join(out, 'favicon.svg'));

  const keep = new Set(outputs.map((p) => path.basename(p)));
  for (const name of await readdir(path.join(out, ASSETS))) {
    if (!keep.has(name)) await rm(path.join(out, ASSETS, name), { force: true });
  }

  const files = [...outputs, 'index.html', path.join('c', 'index.html'), 'favicon.svg'].sort();
  const sizes = await Promise.all(files.map(async (file) => (await readFile(path.join(out, file))).length));
  return { outdir: out, ...app, caller, files: files.map((file, i) => ({ file, bytes: sizes[i] ?? 0 })) };
}

/** The bundle and stylesheet esbuild wrote for one entry point (by its source path's ending). */
function pageAssets(out: string, metafile: esbuild.Metafile, entry: string): PageAssets {
  const mine = Object.entries(metafile.outputs)
    .filter(([, o]) => o.entryPoint?.endsWith(path.join('src', entry)))
    .map(([p, o]) => ({ js: path.relative(out, path.resolve(repoRoot, p)), css: o.cssBundle }));
  const js = mine[0]?.js;
  const css = mine[0]?.css && path.relative(out, path.resolve(repoRoot, mine[0].css));
  if (mine.length !== 1 || !js || !css)
    throw new Error(`web-client build: expected one .js and one .css for ${entry}`);
  return { js, css };
}

async function withSri(out: string, a: PageAssets) {
  const [jsBody, cssBody] = await Promise.all([
    readFile(path.join(out, a.js)),
    readFile(path.join(out, a.css)),
  ]);
  return { ...a, jsSri: sri(jsBody), cssSri: sri(cssBody) };
}

function sri(body: Buffer): string {
  return `sha384-${createHash('sha384').update(body).digest('base64')}`;
}

/** A page shell. Asset paths are absolute so that any path under the page loads the same bundle. */
export function indexHtml(a: {
  js: string;
  css: string;
  jsSri: string;
  cssSri: string;
  title?: string;
  boot?: string;
}): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <meta name="theme-color" content="#f6f7f9" media="(prefers-color-scheme: light)">
    <meta name="theme-color" content="#14171c" media="(prefers-color-scheme: dark)">
    <meta name="referrer" content="no-referrer">
    <title>${a.title ?? 'Sightline'}</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/${a.css}" integrity="${a.cssSri}">
    <script type="module" src="/${a.js}" integrity="${a.jsSri}"></script>
  </head>
  <body>
    <div id="root"><p class="boot">${a.boot ?? 'Loading Sightline…'}</p></div>
    <noscript><p class="boot">Sightline needs JavaScript to run.</p></noscript>
  </body>
</html>
`;
}

function parseArgs(argv: string[]): { outdir: string; minify: boolean; watch: boolean } {
  let outdir: string | undefined;
  let minify = true;
  let watch = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--outdir') outdir = argv[++i];
    else if (arg?.startsWith('--outdir=')) outdir = arg.slice('--outdir='.length);
    else if (arg === '--no-minify') minify = false;
    else if (arg === '--watch') watch = true;
    else throw new Error(`Unknown argument ${arg}`);
  }
  if (!outdir) throw new Error('Usage: tsx web-client/build.ts --outdir <dir> [--no-minify] [--watch]');
  return { outdir, minify, watch };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = await buildWebClient(args.outdir, { minify: args.minify, watch: args.watch });
  for (const f of result.files)
    console.log(`  ${f.file.padEnd(40)} ${(f.bytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(`web-client built into ${result.outdir} in ${Math.round(result.ms)} ms`);
  if (args.watch) {
    console.log('watching for changes (Ctrl-C to stop)');
    // Once esbuild's watcher stops, nothing is left running and the process ends.
    process.once('SIGINT', () => void result.stop());
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

function kvsSdkVersion(): string {
  const pkg = require.resolve('amazon-kinesis-video-streams-webrtc/package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}
