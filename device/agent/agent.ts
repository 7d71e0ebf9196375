import { readFileSync } from 'node:fs';
import type { AgentConfig, SimulatedOptions } from './config';
import { CredentialsProvider } from './credentials';
import { ensureDtlsCertificate, type DtlsCertificate } from './dtls-certificate';
import { engineSpec, simulatedSpec, type EngineContext } from './engines';
import type { Log } from './log';
import { provision } from './provisioning';
import { ShadowReporter } from './shadow';
import { DeviceState, type Thing } from './state';
import { Supervisor } from './supervisor';
import { isGateRequest, serveGateRequest } from './viewer-gate';
import { AGENT_VERSION } from './version';

/**
 * The device agent: provision by claim if needed, then run as the thing: the engine under
 * supervision, KVS credentials from the credentials provider, and state in the shadow.
 */
export type Milestone = 'claim-connected' | 'certificate' | 'registered' | 'engine-started' | 'streaming';

export interface AgentOptions {
  config: AgentConfig;
  log: Log;
  onMilestone?: (milestone: Milestone) => void;
}

export class Agent {
  private readonly abort = new AbortController();
  private readonly state: DeviceState;
  private supervisor?: Supervisor;
  private shadow?: ShadowReporter;
  private credentials?: CredentialsProvider;
  private refreshTimer?: NodeJS.Timeout;
  private ctx?: EngineContext;
  private dtls?: DtlsCertificate;

  constructor(private readonly options: AgentOptions) {
    this.state = new DeviceState(options.config.stateDir);
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    this.supervisor = this.createSupervisor();
    // The simulated engine loads its runtime while the device provisions (the C SDK needs the
    // thing name on its command line, so it starts afterwards).
    if (config.engine === 'simulated')
      this.supervisor.prewarm(simulatedSpec(config.engineOptions as SimulatedOptions));
    let thing: Thing;
    if (this.state.provisioned) {
      thing = this.state.state.thing!;
      log('info', 'already provisioned', { thingName: thing.thingName });
    } else {
      log('info', 'provisioning by claim', { serial: config.serial, phase: this.state.state.phase });
      thing = await provision({
        config,
        state: this.state,
        log,
        signal: this.abort.signal,
        onStep: (step) => this.options.onMilestone?.(step),
      });
    }
    if (this.abort.signal.aborted) return;
    if (config.engine === 'kvs-c-sdk') {
      // Made once, on the device, like its key; the C engine uses it for every viewer.
      this.dtls = await ensureDtlsCertificate(config.stateDir);
      log('info', 'DTLS certificate ready', { fingerprint: this.dtls.fingerprint });
    }
    // Streaming is earned again after each start: until the engine says so, it is provisioned.
    this.state.setPhase('provisioned');
    this.run(thing);
  }

  /** Stops the engine, says "not streaming" if it can, and closes MQTT; within ~1.5 s. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.refreshTimer);
    await this.supervisor?.stop();
    if (this.state.state.phase === 'streaming') this.state.setPhase('provisioned');
    await this.shadow?.close({ streaming: false }, 300);
  }

  private run(thing: Thing): void {
    const { config, log } = this.options;
    const ctx: EngineContext = {
      thingName: thing.thingName,
      region: config.region,
      credentialsEndpoint:
        config.iot.credentialsEndpoint ?? thing.deviceConfiguration.CredentialEndpoint ?? '',
      roleAlias: config.iot.roleAlias ?? thing.deviceConfiguration.RoleAlias ?? '',
      certPath: this.state.certPath,
      keyPath: this.state.keyPath,
      caPath: config.iot.caPath,
      ...(this.dtls ? { dtls: this.dtls } : {}),
    };
    if (!ctx.credentialsEndpoint || !ctx.roleAlias)
      throw new Error(
        'no credentials endpoint or role alias: set iot.credentialsEndpoint and iot.roleAlias, ' +
          'or have the provisioning template return CredentialEndpoint and RoleAlias',
      );
    const identity = {
      ca: readFileSync(config.iot.caPath, 'utf8'),
      cert: readFileSync(this.state.certPath, 'utf8'),
      key: readFileSync(this.state.keyPath, 'utf8'),
    };
    this.credentials = new CredentialsProvider({
      ...ctx,
      endpoint: ctx.credentialsEndpoint,
      caPath: config.iot.caPath,
    });
    this.shadow = new ShadowReporter({
      host: config.iot.endpoint,
      port: config.iot.port,
      thingName: thing.thingName,
      identity,
      initial: {
        provisioned: true,
        streaming: false,
        version: AGENT_VERSION,
        engine: config.engine,
        // Both engines check their viewers' fingerprints (see viewer-gate.ts); what an earlier run
        // reported about its connections is cleared on connect. The C engine has one fingerprint
        // for every viewer, the simulated one a fingerprint per connection.
        viewers: [],
        ...(this.dtls ? { fingerprint: this.dtls.fingerprint, fingerprints: null } : { fingerprints: {} }),
      },
      log,
      // The engine hears of every change, so a viewer whose session ended is dropped at once.
      onViewers: (viewers) => this.supervisor?.send({ type: 'viewers', viewers }),
    });
    this.ctx = ctx;
    this.supervisor!.start();
    if (config.engine === 'simulated') {
      // Fetched now, in parallel with the engine's start, so its first request finds them ready.
      this.credentials.get().catch(() => undefined);
      this.keepCredentialsFresh();
    }
  }

  private createSupervisor(): Supervisor {
    const { config, log } = this.options;
    return new Supervisor({
      spec: () => engineSpec(config, this.ctx!),
      ...config.supervision,
      log,
      onStart: () => this.options.onMilestone?.('engine-started'),
      onStreaming: (streaming) => {
        if (this.abort.signal.aborted) return;
        this.state.setPhase(streaming ? 'streaming' : 'provisioned');
        log('info', streaming ? 'streaming' : 'not streaming');
        if (streaming) this.options.onMilestone?.('streaming');
        void this.shadow?.report({ streaming });
      },
      onMessage: (message, child) => {
        if (isGateRequest(message)) {
          if (this.shadow) serveGateRequest(message, child, this.shadow, log);
          return;
        }
        const m = message as { type?: string; id?: number };
        if (m.type === 'engine-error') {
          const e = message as { stage?: unknown; status?: unknown; message?: unknown };
          log('error', 'engine error', {
            stage: String(e.stage),
            status: String(e.status),
            error: String(e.message).slice(0, 500),
          });
          return;
        }
        if (m.type !== 'credentials') return;
        this.credentials!.get().then(
          (credentials) => child.connected && child.send({ type: 'credentials', id: m.id, credentials }),
          (err: Error) => {
            log('warn', 'could not get KVS credentials', { error: err.message });
            if (child.connected) child.send({ type: 'credentials', id: m.id, error: err.message });
          },
        );
      },
    });
  }

  /** Refreshes the credentials ahead of expiry, so a reconnect never waits for them. */
  private keepCredentialsFresh(): void {
    const at = this.credentials?.refreshAt();
    const wait = at === undefined ? 60_000 : Math.max(1000, at - Date.now());
    this.refreshTimer = setTimeout(() => {
      if (this.abort.signal.aborted) return;
      this.credentials!.get().then(
        () => this.keepCredentialsFresh(),
        (err: Error) => {
          this.options.log('warn', 'credential refresh failed', { error: err.message });
          this.keepCredentialsFresh();
        },
      );
    }, wait);
    this.refreshTimer.unref();
  }
}
