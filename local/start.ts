import { otpauthUri } from './totp';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCloud } from './cloud';
import { ENGINE_BINARY } from './live';
import { ensureTls } from './tls';

/**
 * `npm start`: the platform on this machine. Prints one ready line and writes
 * `.local/outputs.json`; Ctrl-C stops everything it started.
 */
// The SDK warns that releases after January 2027 need Node 22; the README says so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SIGHTLINE_PORT ?? '8443' },
      state: { type: 'string', default: '.local' },
      reset: { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      camera: { type: 'string', default: 'simulated' },
    },
  });
  if (values.camera !== 'simulated' && values.camera !== 'c-engine')
    throw new Error('--camera must be "simulated" or "c-engine"');
  if (values.camera === 'c-engine' && !existsSync(ENGINE_BINARY))
    throw new Error('--camera c-engine needs the engine: run `npm run build:engine` first');
  const stateDir = resolve(values.state);
  if (values.reset) rmSync(stateDir, { recursive: true, force: true });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number`);

  // The handlers' AWS SDK clients call the emulators over HTTPS, so this process must trust the
  // local CA. Node reads NODE_EXTRA_CA_CERTS only at startup: make the CA, then run again with it.
  const caBundle = await trustedCaBundle(join(stateDir, 'tls'));
  if (process.env.NODE_EXTRA_CA_CERTS !== caBundle) {
    await runAgainTrusting(caBundle);
    return;
  }

  const started = Date.now();
  const log = values.quiet ? () => undefined : (line: string) => console.log(line);
  const cloud = await startLocalCloud({
    stateDir,
    port,
    persist: !values.memory,
    log,
    handlerLogLevel: values.verbose ? 'INFO' : 'WARN',
    camera: values.camera === 'c-engine' ? { engine: 'kvs-c-sdk' } : { engine: 'simulated' },
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping the local cloud`);
    // With every child and socket closed, the process ends by itself.
    void cloud.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const { outputs } = cloud;
  const device = outputs.demo.devices[0];
  console.log(
    [
      `Sightline local cloud ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${outputs.webUrl}`,
      `  owner:       ${outputs.demo.owner.username} / ${outputs.demo.owner.password}`,
      `  dispatcher:  ${outputs.demo.dispatcher.username} / ${outputs.demo.dispatcher.password}`,
      `               + a code from an authenticator app with this key: ${outputs.demo.dispatcher.totpSecret}`,
      `               (${otpauthUri(outputs.demo.dispatcher.username, outputs.demo.dispatcher.totpSecret)})`,
      device ? `  demo device: serial ${device.serial}, secret ${device.secret}` : '',
      `  outbox:      ${outputs.webUrl}/local/outbox   (sign-up codes and SMS)`,
      `  cameras:     KVS ${outputs.kinesisVideoControlPlane}, IoT ${outputs.iot.endpoint}, credentials ${outputs.iot.credentialsEndpoint}`,
      `  outputs:     ${cloud.outputsPath}`,
      `  certificate: ${outputs.caCertPath} (trust it, or accept the browser warning once)`,
      'Press Ctrl-C to stop.',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/**
 * The file NODE_EXTRA_CA_CERTS should name: the local CA, or, when the variable already names
 * another bundle (a corporate proxy's CA, say), that bundle with the local CA appended.
 */
async function trustedCaBundle(tlsDir: string): Promise<string> {
  const { caCertPath, caCertPem } = await ensureTls(tlsDir);
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  const bundlePath = join(tlsDir, 'ca-bundle.pem');
  if (!existing || existing === caCertPath) return caCertPath;
  if (existing === bundlePath) return bundlePath;
  writeFileSync(bundlePath, `${readFileSync(existing, 'utf8').trimEnd()}\n${caCertPem}`);
  return bundlePath;
}

/**
 * Runs this script again as a child with the CA trusted, forwarding Ctrl-C and SIGTERM to it and
 * ending with its exit code. The child never resets: the state folder now holds the CA it trusts.
 */
async function runAgainTrusting(caBundle: string): Promise<void> {
  const args = process.argv.slice(1).filter((arg) => arg !== '--reset');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caBundle },
  });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.once('exit', (c, s) => done([c, s])),
  );
  process.exitCode = code ?? (signal ? 1 : 0);
}

main().catch((err: Error) => {
  console.error(`The local cloud could not start: ${err.message}`);
  process.exitCode = 1;
});
