import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalOutputs } from '../../lambda/contract/types';
import { tables } from '../../lambda/core/tables';
import { AGENT_NODE_FLAGS, buildAgent } from '../../device/build';
import { localManufactureKeyPath } from '../../local/factory';
import { localAgentConfig } from '../../local/live';
import { REPO_ROOT } from '../support/paths';
import { startCloud, stopCloud } from '../support/start-cloud';

/**
 * The device agent on the local cloud (docs/design.md §7: RSS ≤ 60 MB, claim → streaming ≤ 3 s): the
 * bundled agent, as a camera runs it, on a fresh registered serial per run with the simulated
 * engine. It reports the time from the claim connection to streaming (the engine's signaling
 * open), the whole start (process start → streaming), and the agent's resident memory once
 * streaming has settled (the engine is a process of its own, reported beside it).
 *
 *   npx tsx test/bench/agent.ts            (starts a local cloud of its own)
 *
 * `benchAgent({ outputs })` runs against a cloud that is already up.
 */
export interface AgentBench {
  runs: number;
  claimToStreamingMs: { median: number; min: number; max: number; all: number[] };
  startToStreamingMs: { median: number; min: number; max: number };
  agentRssMb: { median: number; max: number };
  engineRssMb: { median: number; max: number };
  bundleKb: number;
  targets: { claimToStreamingMs: number; agentRssMb: number };
}

// Under the bench's git-ignored folder, apart from the live-view bench's own cloud there.
const STATE_DIR = join(REPO_ROOT, '.local-bench', 'agent');

export async function benchAgent(options: { outputs?: LocalOutputs; runs?: number; settleMs?: number } = {}) {
  const runs = options.runs ?? Number(process.env.BENCH_AGENT_RUNS ?? 5);
  let cloud: Awaited<ReturnType<typeof startCloud>> | undefined;
  let outputs = options.outputs;
  const workDir = join(STATE_DIR, 'agent-bench');
  try {
    if (!outputs) {
      cloud = await startCloud(STATE_DIR);
      outputs = JSON.parse(readFileSync(join(STATE_DIR, 'outputs.json'), 'utf8')) as LocalOutputs;
    }
    if (!outputs.iot) throw new Error('the local cloud has no AWS IoT (outputs.iot)');
    const bundle = join(REPO_ROOT, 'dist', 'device', `agent-bench-${process.pid}.mjs`);
    const { bytes } = await buildAgent({ outfile: bundle });
    rmSync(workDir, { recursive: true, force: true });
    const results: {
      claimToStreaming: number;
      startToStreaming: number;
      agentRss: number;
      engineRss: number;
    }[] = [];
    try {
      for (let i = 0; i < runs; i++)
        results.push(await oneRun(outputs, bundle, join(workDir, `run-${i}`), options));
    } finally {
      rmSync(bundle, { force: true });
    }
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        median: sorted[Math.floor(sorted.length / 2)]!,
        min: sorted[0]!,
        max: sorted[sorted.length - 1]!,
      };
    };
    const mb = (v: number) => Math.round((v / 1024) * 10) / 10;
    const claim = results.map((r) => r.claimToStreaming);
    const agentRss = stats(results.map((r) => r.agentRss));
    const engineRss = stats(results.map((r) => r.engineRss));
    const result: AgentBench = {
      runs,
      claimToStreamingMs: { ...stats(claim), all: claim },
      startToStreamingMs: stats(results.map((r) => r.startToStreaming)),
      agentRssMb: { median: mb(agentRss.median), max: mb(agentRss.max) },
      engineRssMb: { median: mb(engineRss.median), max: mb(engineRss.max) },
      bundleKb: Math.round(bytes / 1024),
      targets: { claimToStreamingMs: 3000, agentRssMb: 60 },
    };
    return result;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await stopCloud(cloud);
  }
}

async function oneRun(outputs: LocalOutputs, bundle: string, dir: string, options: { settleMs?: number }) {
  const serial = await registerDevice(outputs);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      localAgentConfig(outputs as Parameters<typeof localAgentConfig>[0], {
        serial,
        stateDir: join(dir, 'state'),
      }),
    ),
  );
  const started = performance.now();
  // As the systemd unit runs it: with the agent's V8 settings.
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, bundle, '--config', configPath], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, SIGHTLINE_AGENT_LOG: 'quiet' },
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const at: Record<string, number> = {};
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${serial} did not stream within 30 s\n${stderr}`)),
        30_000,
      );
      child.on('message', (m: { type?: string; milestone?: string }) => {
        if (m.type !== 'milestone' || !m.milestone) return;
        at[m.milestone] ??= performance.now();
        if (m.milestone === 'streaming') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`the agent exited (${code})\n${stderr}`)));
    });
    // Steady state: streaming for a while, the JIT warm and the first garbage collected.
    await new Promise((r) => setTimeout(r, options.settleMs ?? 5000));
    const engines = childrenOf(child.pid!);
    return {
      claimToStreaming: Math.round(at.streaming! - at['claim-connected']!),
      startToStreaming: Math.round(at.streaming! - started),
      agentRss: rssKb(child.pid!),
      engineRss: engines.reduce((sum, pid) => sum + rssKb(pid), 0),
    };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A new serial in the cloud's registry, as `npm run devices -- add` makes one. */
async function registerDevice(outputs: LocalOutputs): Promise<string> {
  Object.assign(process.env, {
    AWS_REGION: outputs.region,
    AWS_ACCESS_KEY_ID: 'LOCALADMINKEY',
    AWS_SECRET_ACCESS_KEY: 'local-admin-secret',
    AWS_ENDPOINT_URL_DYNAMODB: outputs.awsEndpoints.dynamodb,
  });
  for (const [key, def] of Object.entries(tables))
    process.env[def.env] = outputs.tables[key as keyof typeof tables];
  const { registerNewDevice } = await import('../../bin/manufacture');
  const serial = `BENCH-${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;
  await registerNewDevice({ serial, keyOut: localManufactureKeyPath(outputs.iot, serial) });
  return serial;
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  benchAgent().then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    },
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );
}
