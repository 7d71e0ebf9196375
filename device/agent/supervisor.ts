import { spawn, type ChildProcess, type Serializable } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Backoff } from './backoff';
import type { Log } from './log';

/**
 * Runs the media engine as a child process and keeps it running: when it exits, it is started
 * again after a backoff delay that grows with each crash (with jitter, up to a cap) and resets
 * once a run has lasted `stableAfterMs`. Stopping sends the engine its stop signal and, if it has
 * not exited within `killAfterMs`, SIGKILL.
 */
export interface EngineSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** An IPC channel, for engines that talk to the agent (the simulated one). */
  ipc: boolean;
  /** What the engine treats as "stop cleanly" (the C SDK samples handle SIGINT). */
  stopSignal: NodeJS.Signals;
  /** An output line that means the engine is streaming (connected to signaling). */
  streamingLine?: RegExp;
  /** Sent over IPC when the engine is started (or a pre-started one adopted). */
  initMessage?: unknown;
}

/** Lines of an engine's output kept for the log line that says it stopped. */
const OUTPUT_KEPT = 12;

export interface SupervisorOptions {
  spec: () => EngineSpec;
  initialDelayMs: number;
  maxDelayMs: number;
  stableAfterMs: number;
  killAfterMs?: number;
  random?: () => number;
  log: Log;
  onStreaming?: (streaming: boolean) => void;
  onMessage?: (message: unknown, child: ChildProcess) => void;
  /** Each start, with the delay that preceded it (0 for the first); for tests and metrics. */
  onStart?: (run: number, delayMs: number) => void;
}

export class Supervisor {
  private child?: ChildProcess;
  private warm?: ChildProcess;
  private restartTimer?: NodeJS.Timeout;
  private stopped = true;
  private runs = 0;
  private streaming = false;
  private readonly backoff: Backoff;
  private readonly lastOutput = new WeakMap<ChildProcess, string[]>();

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = new Backoff({
      initialMs: options.initialDelayMs,
      maxMs: options.maxDelayMs,
      random: options.random,
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.launch(0);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a message to the running engine over IPC; false if there is none to send it to. */
  send(message: Serializable): boolean {
    const child = this.child;
    if (!child?.connected) return false;
    child.send(message);
    return true;
  }

  /**
   * Starts an engine process ahead of `start()`, so that its start-up (loading a runtime and its
   * libraries) overlaps provisioning. `start()` then adopts it and sends it the spec's
   * `initMessage`; a warm engine that dies first is simply forgotten.
   */
  prewarm(spec: EngineSpec): void {
    if (!this.stopped || this.warm) return;
    const child = this.spawnChild(spec);
    this.warm = child;
    const forget = () => {
      if (this.warm === child) this.warm = undefined;
    };
    child.once('exit', forget);
    child.once('error', forget);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const children = [this.child, this.warm].filter((c): c is ChildProcess => Boolean(c));
    this.warm = undefined;
    await Promise.all(children.map((child) => this.end(child)));
  }

  private async end(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(this.options.spec().stopSignal);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.killAfterMs ?? 1000);
    await exited;
    clearTimeout(timer);
  }

  private launch(delayMs: number): void {
    if (this.stopped) return;
    const spec = this.options.spec();
    const started = Date.now();
    const run = ++this.runs;
    this.options.onStart?.(run, delayMs);
    const warm = this.warm;
    this.warm = undefined;
    const adopted = warm && warm.exitCode === null && warm.signalCode === null && warm.connected;
    this.options.log('info', adopted ? 'starting the pre-started engine' : 'starting the engine', {
      command: spec.command,
      run,
    });
    const child = adopted ? warm : this.spawnChild(spec);
    if (!adopted && warm) void this.end(warm);
    this.child = child;
    if (spec.initMessage !== undefined && child.connected) child.send(spec.initMessage as Serializable);
    let ended = false;
    const onEnd = (how: string) => {
      if (ended) return;
      ended = true;
      this.setStreaming(false);
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      const ranMs = Date.now() - started;
      if (ranMs >= this.options.stableAfterMs) this.backoff.reset();
      const delay = this.backoff.next();
      // What the engine printed last says why it stopped, whatever the log level.
      const lastOutput = this.lastOutput.get(child)?.join('\n');
      this.options.log('warn', 'the engine stopped; restarting', {
        how,
        ranMs,
        restartInMs: delay,
        ...(lastOutput ? { lastOutput } : {}),
      });
      this.restartTimer = setTimeout(() => this.launch(delay), delay);
    };
    if (child.exitCode !== null || child.signalCode !== null) onEnd('exited before start');
    child.on('exit', (code, signal) => onEnd(signal ? `signal ${signal}` : `exit ${code}`));
    child.on('error', (err) => onEnd(`error ${err.message}`));
  }

  /** Spawns an engine with its output logged and its messages routed. */
  private spawnChild(spec: EngineSpec): ChildProcess {
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      stdio: spec.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    // An engine that cannot be spawned (ENOENT) reports it here; `launch` restarts it.
    child.on('error', () => undefined);
    const last: string[] = [];
    this.lastOutput.set(child, last);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (this.child === child && spec.streamingLine?.test(line)) this.setStreaming(true);
        if (!line.trim()) return;
        this.options.log('debug', 'engine', { line: line.slice(0, 500) });
        last.push(line.slice(0, 300));
        if (last.length > OUTPUT_KEPT) last.shift();
      });
    }
    child.on('message', (message) => {
      const m = message as { type?: string; value?: unknown };
      if (m.type === 'streaming') {
        if (this.child === child) this.setStreaming(m.value === true);
      } else this.options.onMessage?.(message, child);
    });
    return child;
  }

  private setStreaming(streaming: boolean): void {
    if (this.streaming === streaming) return;
    this.streaming = streaming;
    this.options.onStreaming?.(streaming);
  }
}
