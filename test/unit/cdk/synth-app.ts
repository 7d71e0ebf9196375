import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export interface SynthesizedApp {
  /** The cloud assembly folder: the template and each asset folder. */
  readonly outdir: string;
  readonly stackName: string;
  readonly region: string;
  /** The stack's template, as `cdk deploy` would upload it. */
  readonly template: { Resources: Record<string, { Type: string; Properties: unknown }> };
}

/**
 * Synthesizes the app exactly as `cdk synth` does (bin/sightline.ts with cdk.json's context and
 * real bundling), in a child process, into `outdir`. It bundles every function with esbuild, so it
 * takes a minute or more: a test file does it once.
 */
export function synthApp(outdir: string): SynthesizedApp {
  const context = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as {
    sightline: { stage: string; region: string };
  };
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'bin', 'sightline.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      // cdk-nag prints its report; only a failure's output matters here.
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const stackName = `Sightline-${context.sightline.stage}`;
  return {
    outdir,
    stackName,
    region: context.sightline.region,
    template: JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')),
  };
}
