import { parseArgs } from 'node:util';
import { Agent } from './agent';
import { ConfigError, loadConfig } from './config';
import { createLog } from './log';
import { AGENT_VERSION } from './version';

/**
 * `sightline-agent [--config /etc/sightline/agent.json] [--check-config] [--version]`, run by systemd.
 *
 * SIGTERM (systemd stop) and SIGINT stop the engine, report streaming=false if the broker is
 * reachable and close MQTT, all within 2 s; a second signal, or the deadline, exits at once.
 */
const STOP_DEADLINE_MS = 1800;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: process.env.SIGHTLINE_AGENT_CONFIG ?? '/etc/sightline/agent.json' },
      version: { type: 'boolean', default: false },
      'check-config': { type: 'boolean', default: false },
    },
  });
  if (values.version) {
    console.log(AGENT_VERSION);
    return;
  }
  const log = createLog('agent');
  const config = loadConfig(values.config);
  if (values['check-config']) {
    console.log(`${values.config}: OK`);
    return;
  }
  log('info', 'starting', { version: AGENT_VERSION, serial: config.serial, engine: config.engine });
  const agent = new Agent({
    config,
    log,
    onMilestone: process.send ? (milestone) => process.send!({ type: 'milestone', milestone }) : undefined,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(0);
    stopping = true;
    log('info', 'stopping', { signal });
    setTimeout(() => {
      log('warn', 'stop deadline reached; exiting');
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
    agent.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log('error', 'error while stopping', { error: err.message });
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await agent.start().catch((err: Error) => {
    if (stopping) return;
    throw err;
  });
}

main().catch((err: Error) => {
  // A bad config is the operator's to fix: say what is wrong, exit with a code systemd won't
  // restart on (RestartPreventExitStatus=78, EX_CONFIG).
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', message: err.message }));
  process.exit(1);
});
