import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT, synthApp, type SynthesizedApp } from './synth-app';

/**
 * Every function starts on AWS with only the environment its template gives it (plus what Lambda
 * itself sets). The local cloud runs the handlers from source; this loads the very bundles
 * `cdk deploy` would upload, each in a fresh Node process with exactly that environment, so a
 * handler that reads at load a variable its stack does not give it fails here, not on AWS.
 */

const run = promisify(execFile);

interface LambdaFunction {
  Type: string;
  Properties: {
    Runtime: string;
    Handler: string;
    MemorySize?: number;
    Code: { S3Key?: string };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

interface StartResult {
  id: string;
  ok: boolean;
  initMs?: number;
  error?: string;
}

let synthesized: SynthesizedApp;
let functions: [string, LambdaFunction][];
const results = new Map<string, StartResult>();
let workDir: string;
let runtimeModules: string;

beforeAll(async () => {
  // GIVEN the app as `cdk synth` makes it: bundled functions in cdk.out
  workDir = mkdtempSync(join(tmpdir(), 'sightline-start-'));
  synthesized = synthApp(join(workDir, 'cdk.out'));
  // The runtime's own AWS SDK v3, which the CDK's provider functions (not ours) rely on.
  runtimeModules = join(workDir, 'runtime', 'node_modules');
  mkdirSync(runtimeModules, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules', '@aws-sdk'), join(runtimeModules, '@aws-sdk'));
  functions = Object.entries(synthesized.template.Resources as Record<string, LambdaFunction>).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime.startsWith('nodejs'),
  );
  // WHEN each bundle is loaded in a fresh process, two at a time (the machine may be small)
  const queue = [...functions];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, fn] = next;
      results.set(id, await start(id, fn, synthesized));
    }
  };
  await Promise.all([worker(), worker()]);
}, 600_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the app has Node.js functions to start', () => {
  expect(functions.length).toBeGreaterThan(20);
});

test('every Node.js function loads its bundle with only its template environment', () => {
  // THEN none throws at init, and each exports its handler
  const failures = [...results.values()].filter((r) => !r.ok).map((r) => `${r.id}: ${r.error}`);
  expect(failures).toEqual([]);
  // The init times, for whoever reads the test's output (the issue asks for them).
  const times = [...results.values()]
    .sort((a, b) => (b.initMs ?? 0) - (a.initMs ?? 0))
    .map((r) => `${r.id.padEnd(72)} ${r.initMs?.toFixed(0)} ms`);
  if (process.env.SIGHTLINE_PRINT_INIT) process.stdout.write(`${times.join('\n')}\n`);
});

test('the device-refusal function is among them, with no devices table', () => {
  const refusal = functions.find(([id]) => id.startsWith('FleetDeviceRefusals'));
  expect(refusal).toBeDefined();
  expect(refusal![1].Properties.Environment?.Variables).not.toHaveProperty('TABLE_DEVICES');
  expect(results.get(refusal![0])?.ok).toBe(true);
});

/** Loads one function's bundle in a fresh Node process with its own environment only. */
async function start(id: string, fn: LambdaFunction, app: SynthesizedApp): Promise<StartResult> {
  const key = fn.Properties.Code.S3Key;
  if (!key) return { id, ok: false, error: 'its code is not an asset' };
  const dir = join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  const [file, exportName] = fn.Properties.Handler.split('.') as [string, string];
  const entry = ['.mjs', '.js', '.cjs'].map((ext) => join(dir, file + ext)).find((p) => existsSync(p));
  if (!entry) return { id, ok: false, error: `no ${file}.mjs or ${file}.js in ${dir}` };

  const env = lambdaEnvironment(id, fn, dir, app);
  // The init is timed inside the process: what Lambda's INIT phase would spend loading the module.
  const script = [
    'const t0 = performance.now();',
    'const mod = await import(process.argv[1]);',
    'const initMs = performance.now() - t0;',
    'const handler = mod[process.argv[2]] ?? mod.default?.[process.argv[2]];',
    "if (typeof handler !== 'function') { console.error('no exported ' + process.argv[2]); process.exit(3); }",
    'process.stdout.write(JSON.stringify({ initMs }));',
    'process.exit(0);',
  ].join('\n');
  try {
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(entry).href, exportName],
      { env, cwd: dir, timeout: 30_000 },
    );
    const { initMs } = JSON.parse(stdout) as { initMs: number };
    return { id, ok: true, initMs };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    const line = stderr.split('\n').find((l) => /^\w*Error\b/.test(l)) ?? stderr.slice(0, 300);
    return { id, ok: false, error: line.trim() };
  }
}

/**
 * The function's template variables, resolved as CloudFormation would (resource references
 * become placeholders of the right shape), plus the variables the Lambda runtime sets itself.
 * Nothing of this process's environment leaks in.
 */
function lambdaEnvironment(id: string, fn: LambdaFunction, dir: string, app: SynthesizedApp) {
  const own = Object.fromEntries(
    Object.entries(fn.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, resolve(v, app)]),
  );
  const name = `${app.stackName}-${id}`.slice(0, 64);
  const lambdaSets = {
    AWS_REGION: app.region,
    AWS_DEFAULT_REGION: app.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.Properties.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.Properties.MemorySize ?? 128),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'example-secret-access-key',
    AWS_SESSION_TOKEN: 'example-session-token',
    LAMBDA_TASK_ROOT: dir,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: fn.Properties.Handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    // Where require() finds the runtime's SDK (/var/runtime/node_modules on Lambda).
    NODE_PATH: runtimeModules,
  };
  return { ...lambdaSets, ...own };
}

/** A template value as a string: pseudo parameters filled in, references as placeholders. */
function resolve(value: unknown, app: SynthesizedApp): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
    if (fn === 'Ref') return refValue(arg as string, app);
    if (fn === 'Fn::GetAtt') {
      const [resource, attribute] = arg as [string, string];
      return attribute.endsWith('Arn')
        ? `arn:aws:placeholder:${app.region}:123456789012:${resource}`
        : `${resource.toLowerCase()}-${attribute.toLowerCase()}.placeholder.example`;
    }
    if (fn === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => resolve(p, app)).join(separator);
    }
  }
  throw new Error(`Cannot resolve ${JSON.stringify(value)}: teach this test the intrinsic`);
}

function refValue(name: string, app: SynthesizedApp): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': app.region,
    'AWS::AccountId': '123456789012',
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': app.stackName,
  };
  return pseudo[name] ?? `${name.toLowerCase()}-placeholder`;
}
