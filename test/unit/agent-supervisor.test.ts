import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor, type EngineSpec } from '../../device/agent/supervisor';

const quiet = () => undefined;
const node = (script: string): EngineSpec => ({
  command: process.execPath,
  args: ['-e', script],
  env: process.env,
  ipc: false,
  stopSignal: 'SIGTERM',
});
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('engine supervision', () => {
  test('a crashing engine is restarted with growing delays, up to the cap', async () => {
    const starts: { at: number; delay: number }[] = [];
    const supervisor = new Supervisor({
      spec: () => node('process.exit(3)'),
      initialDelayMs: 40,
      maxDelayMs: 400,
      stableAfterMs: 60_000,
      log: quiet,
      onStart: (_run, delay) => starts.push({ at: Date.now(), delay }),
    });
    supervisor.start();
    while (starts.length < 7) await new Promise((r) => setTimeout(r, 20));
    await supervisor.stop();

    const delays = starts.slice(1).map((s) => s.delay);
    // Equal jitter: each delay is in [nominal/2, nominal], nominal = 40, 80, 160, 320, 400, 400.
    const nominal = [40, 80, 160, 320, 400, 400];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(nominal[i]! / 2);
      expect(d).toBeLessThanOrEqual(nominal[i]!);
    });
    for (let i = 1; i < 4; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    // The restarts really waited: the gap between starts covers the delay.
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]!.at - starts[i - 1]!.at).toBeGreaterThanOrEqual(starts[i]!.delay);
  });

  test('a run that lasted long enough resets the backoff', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-sup-'));
    const counter = join(dir, 'runs');
    // Crashes at once on runs 1-3, then runs 2.5 s (longer than stableAfterMs; Node start-up alone is well under it) before crashing.
    const script = `const fs=require('fs');const f=${JSON.stringify(counter)};
      const n=(fs.existsSync(f)?Number(fs.readFileSync(f,'utf8')):0)+1;fs.writeFileSync(f,String(n));
      setTimeout(()=>process.exit(1), n===4?2500:0);`;
    const delays: number[] = [];
    const supervisor = new Supervisor({
      spec: () => node(script),
      initialDelayMs: 50,
      maxDelayMs: 10_000,
      stableAfterMs: 2000,
      random: () => 0.999999,
      log: quiet,
      onStart: (_run, delay) => delays.push(delay),
    });
    supervisor.start();
    while (delays.length < 6) await new Promise((r) => setTimeout(r, 20));
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
    // 0 (first start), 50, 100, 200, then the stable run resets to 50, then 100.
    expect(delays).toEqual([0, 50, 100, 200, 50, 100]);
  });

  test('stop kills an engine that ignores its stop signal, and restarts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-sup-'));
    const ready = join(dir, 'ready');
    let runs = 0;
    const supervisor = new Supervisor({
      spec: () =>
        node(
          `process.on('SIGTERM',()=>{});require('fs').writeFileSync(${JSON.stringify(ready)},'1');setInterval(()=>{},1000);`,
        ),
      initialDelayMs: 10,
      maxDelayMs: 100,
      stableAfterMs: 1000,
      killAfterMs: 300,
      log: quiet,
      onStart: () => runs++,
    });
    supervisor.start();
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    const pid = supervisor.pid!;
    const started = Date.now();
    await supervisor.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(alive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toBe(1);
    expect(readFileSync(ready, 'utf8')).toBe('1');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a streaming line in the engine output reports streaming, and its exit reports the end', async () => {
    const events: boolean[] = [];
    const supervisor = new Supervisor({
      spec: () => ({
        ...node(
          `console.log('[KVS GStreamer Master] Channel CAM-1 set up done'); setTimeout(()=>process.exit(1),100);`,
        ),
        streamingLine: /Channel \S+ set up done/,
      }),
      initialDelayMs: 5000,
      maxDelayMs: 5000,
      stableAfterMs: 60_000,
      log: quiet,
      onStreaming: (s) => events.push(s),
    });
    supervisor.start();
    while (events.length < 2) await new Promise((r) => setTimeout(r, 20));
    await supervisor.stop();
    expect(events).toEqual([true, false]);
  });
});
