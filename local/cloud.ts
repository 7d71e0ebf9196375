import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalOutputs, WebConfig } from '../lambda/contract/types';
import { tables } from '../lambda/core/tables';
import { createLocalAws, type LocalAws } from './aws';
import { stopChild } from './child-process';
import { registerLiveRoles, startDemoDevice, type LocalCamera } from './live';
import { startCognito } from './cognito';
import { createCognitoProxy } from './cognito-proxy';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import { startDynamo } from './dynamodb';
import {
  AWS_PORTS,
  cameraAddresses,
  endpointOf,
  listenCameraEndpoint,
  privilegedPortWarning,
} from './endpoints';
import { createGateway } from './gateway';
import { startLocalIot } from './iot';
import { Outbox } from './outbox';
import { createOutboxPage } from './outbox-page';
import { scheduleInviteExpiry, setUpShowMe } from './show-me';
import { ensurePortFree } from './ports';
import { ensureTls } from './tls';
import { startTurnServer, TURN_MISSING, TURN_PORT, turnIceServers, turnserverInstalled } from './turn';
import { createWebServer } from './web';

export interface LocalCloudOptions {
  /** Where state lives (`.local/` for `npm start`). */
  stateDir: string;
  /** The HTTPS origin's port; 0 picks a free one. */
  port: number;
  /** Keep DynamoDB data across restarts (on disk under the state folder) or in memory only. */
  persist: boolean;
  log: (line: string) => void;
  /** What a person must see even when the log is quiet; stderr if omitted. */
  warn?: (line: string) => void;
  /** Handler log level (Powertools): WARN keeps a terminal readable. */
  handlerLogLevel?: string;
  /** The demo camera's engine: the simulated one (default) or the C engine, once built. */
  camera?: LocalCamera;
}

export interface LocalCloud {
  outputs: LocalOutputs;
  outputsPath: string;
  /** The emulated AWS services: register roles and create channels in-process through it. */
  aws: LocalAws;
  stop: () => Promise<void>;
}

/**
 * Starts the whole platform on this machine: DynamoDB Local, cognito-local (behind /cognito), and one HTTPS
 * origin serving the web client, the API gateway, the Cognito endpoint and the outbox. The
 * handlers run in this process, unchanged; only their endpoints point here. Cameras reach KVS,
 * the IoT broker, the credentials provider and TURN on loopback addresses of this cloud's own,
 * on AWS's ports (see endpoints.ts).
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const stateDir = resolve(options.stateDir);
  const warn = options.warn ?? ((line: string) => console.warn(line));
  mkdirSync(stateDir, { recursive: true });
  if (options.port !== 0) await ensurePortFree(options.port, 'the local cloud');
  const addresses = cameraAddresses(stateDir);
  const outbox = new Outbox();
  const stoppers: (() => unknown)[] = [];

  try {
    const webDir = join(stateDir, 'web');
    const hasTurn = turnserverInstalled();
    if (!hasTurn) warn(TURN_MISSING);
    const [tls, dynamo, cognito, turn] = await Promise.all([
      ensureTls(join(stateDir, 'tls'), [addresses.kvs, addresses.credentials, addresses.iot]),
      startDynamo(options.persist ? join(stateDir, 'dynamodb') : undefined),
      startCognito(join(stateDir, 'cognito'), outbox),
      hasTurn ? startTurnServer({ dir: join(stateDir, 'turn'), address: addresses.turn }) : undefined,
      buildWeb(webDir),
    ]);
    stoppers.push(
      () => stopChild(dynamo.process),
      () => stopChild(cognito.process),
      () => turn?.stop(),
    );

    // The handlers' configuration, exactly as the CDK sets it on AWS, plus endpoint overrides.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_SERVICE_NAME: 'sightline',
      POWERTOOLS_LOG_LEVEL: options.handlerLogLevel ?? 'WARN',
    });
    for (const [key, def] of Object.entries(tables)) {
      process.env[def.env] = dynamo.tableNames[key as keyof typeof tables];
    }

    const routes: [string, (req: IncomingMessage, res: ServerResponse, path: string) => unknown][] = [];
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      for (const [prefix, handle] of routes) {
        if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
          const rest = url.pathname.slice(prefix.length) || '/';
          Promise.resolve(handle(req, res, rest + url.search)).catch((err: Error) => {
            options.log(`error serving ${req.method} ${url.pathname}: ${err.stack ?? err.message}`);
            if (!res.headersSent) res.writeHead(500);
            res.end();
          });
          return;
        }
      }
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port, '127.0.0.1', () => ok());
    });
    stoppers.unshift(() => {
      server.close();
      server.closeAllConnections();
    });
    const { port } = server.address() as { port: number };
    const origin = `https://localhost:${port}`;

    // KVS for cameras: the same emulators on a listener of their own, at the root of the origin
    // and on AWS's port, since the C SDK never adds a port or a path to a KVS endpoint.
    // Until the emulators exist (they need this listener's origin), it answers 404.
    const late: { aws?: LocalAws } = {};
    const kvsServer = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      (late.aws?.handleKvsRequest(req, res) ?? Promise.resolve(false)).then(
        (served) => {
          if (served) return;
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: 'Not Found' }));
        },
        (err: Error) => {
          options.log(`error serving ${req.method} ${req.url}: ${err.stack ?? err.message}`);
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      );
    });
    kvsServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!late.aws?.handleKvsUpgrade(req, socket, head)) socket.destroy();
    });
    const kvsBound = await listenCameraEndpoint(
      kvsServer,
      addresses.kvs,
      AWS_PORTS.https,
      'the KVS endpoint for cameras',
    );
    stoppers.unshift(() => {
      kvsServer.close();
      kvsServer.closeAllConnections();
    });
    const kvsOrigin = `https://${endpointOf(kvsBound.host, kvsBound.port, AWS_PORTS.https)}`;

    const aws = createLocalAws({
      origin,
      kvsOrigin,
      iceServers: turn ? (name) => turnIceServers(turn, Date.now(), name) : undefined,
      channelsFile: options.persist ? join(stateDir, 'kvs', 'channels.json') : undefined,
      objectsDir: options.persist ? join(stateDir, 's3') : undefined,
      deliverSms: (text) => outbox.add({ channel: 'sms', to: text.to, text: text.body }),
      log: options.log,
    });
    stoppers.unshift(() => aws.close());
    late.aws = aws;
    registerLiveRoles(aws);
    setUpShowMe(aws, origin);
    // WebSocket upgrades (the KVS signaling endpoint) arrive on the same origin.
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!aws.handleUpgrade(req, socket, head)) socket.destroy();
    });
    // The handlers' SDK clients reach the emulators through the SDK's own endpoint settings.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_STS: aws.endpoints.sts,
      AWS_ENDPOINT_URL_KINESIS_VIDEO: aws.endpoints.kinesisvideo,
      // The IoT data plane's endpoint is the account's own on AWS; the stack passes it the same way.
      IOT_DATA_ENDPOINT: aws.endpoints['iot-data-plane'],
    });
    // AWS IoT: the broker, fleet provisioning and the credentials provider, on ports of their own
    // (they authenticate clients by certificate, which the web origin must not ask browsers for).
    const iot = await startLocalIot({
      stateDir,
      persist: options.persist,
      tls,
      aws,
      addresses: { credentials: addresses.credentials, iot: addresses.iot },
      log: options.log,
    });
    stoppers.unshift(() => iot.stop());
    const portWarning = privilegedPortWarning([
      { what: 'KVS', bound: kvsBound },
      { what: 'IoT credentials provider', bound: iot.bound.credentials },
      { what: 'IoT broker', bound: iot.bound.broker },
    ]);
    if (portWarning) warn(portWarning);

    const webConfig: WebConfig = {
      region: LOCAL_REGION,
      webUrl: origin,
      apiUrl: `${origin}/api`,
      userPoolId: cognito.userPoolId,
      userPoolClientId: cognito.userPoolClientId,
      authFlow: 'USER_PASSWORD_AUTH',
      cognitoEndpoint: `${origin}/cognito`,
    };
    // The local user pool's issuer is its endpoint on this origin, as Cognito's is its own.
    const issuer = `${webConfig.cognitoEndpoint}/${cognito.userPoolId}`;
    // The handlers and the pool's trigger reach Cognito as they reach every service: by endpoint.
    process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = webConfig.cognitoEndpoint;
    const gateway = createGateway({
      issuer,
      jwks: { keys: [cognito.signingKey.publicJwk] },
      userPoolClientId: cognito.userPoolClientId,
      loadHandler: async (name) => {
        const mod = (await import(`../lambda/handlers/${name}`)) as { handler: never };
        return mod.handler;
      },
      log: options.log,
    });
    const outboxPage = createOutboxPage(outbox);
    routes.push(
      [
        '/aws',
        async (req, res) => {
          if (await aws.handleRequest(req, res)) return;
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: 'Not Found' }));
        },
      ],
      ['/api', gateway],
      [
        '/cognito',
        createCognitoProxy({
          socketPath: cognito.socketPath,
          userPoolId: cognito.userPoolId,
          userPoolClientId: cognito.userPoolClientId,
          writeAttributes: cognito.writeAttributes,
          issuer,
          signingKey: cognito.signingKey,
          authorizeSigned: (req, body, check) => aws.authorizeSigned(req, body, check),
          preTokenGeneration: async (event) => {
            const { handler } = await import('../lambda/handlers/pre-token-generation');
            return handler(event);
          },
        }),
      ],
      ['/local/outbox.json', (req, res) => outboxPage(req, res, 'json')],
      ['/local/outbox', (req, res) => outboxPage(req, res, 'html')],
      ['', createWebServer(webDir, webConfig)],
    );

    // Seeding imports the domain core, which reads its configuration when first loaded.
    const { seedDemo } = await import('./seed');
    const demo = await seedDemo({
      cognitoEndpoint: webConfig.cognitoEndpoint!,
      userPoolId: cognito.userPoolId,
      userPoolClientId: cognito.userPoolClientId,
      demoFile: join(stateDir, 'demo.json'),
      manufactureKeysDir: iot.outputs.manufactureKeysDir,
    });

    stoppers.unshift(scheduleInviteExpiry(options.log));

    // The demo camera is a real device agent that provisions itself by claim and then streams,
    // as soon as the cloud is up, so a newcomer can watch within a minute.
    // What a camera needs of the cloud: the demo camera's and every local agent's configuration.
    const device = {
      region: LOCAL_REGION,
      caCertPath: tls.caCertPath,
      awsEndpoints: aws.endpoints,
      kinesisVideoControlPlane: kvsOrigin,
      ...(turn ? { stunUrl: `stun:${turn.address}:${TURN_PORT}` } : {}),
    };
    const demoSerial = demo.devices[0]?.serial;
    if (demoSerial) {
      const camera = startDemoDevice(
        {
          outputs: { ...device, iot: iot.outputs },
          stateDir,
          persist: options.persist,
          ...(options.camera ? { camera: options.camera } : {}),
        },
        demoSerial,
        options.log,
      );
      stoppers.unshift(() => stopChild(camera));
    }

    const outputs: LocalOutputs = {
      ...webConfig,
      cognitoEndpoint: webConfig.cognitoEndpoint!,
      caCertPath: tls.caCertPath,
      awsEndpoints: {
        dynamodb: dynamo.endpoint,
        'cognito-idp': webConfig.cognitoEndpoint!,
        ...aws.endpoints,
      },
      tables: dynamo.tableNames,
      kinesisVideoControlPlane: kvsOrigin,
      ...(device.stunUrl ? { stunUrl: device.stunUrl } : {}),
      iot: iot.outputs,
      demo,
    };
    const outputsPath = join(stateDir, 'outputs.json');
    writeFileSync(`${outputsPath}.tmp`, JSON.stringify(outputs, null, 2));
    renameSync(`${outputsPath}.tmp`, outputsPath);

    let stopped = false;
    return {
      outputs,
      outputsPath,
      aws,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        rmSync(outputsPath, { force: true });
        await Promise.all(stoppers.map((stop) => stop()));
      },
    };
  } catch (err) {
    await Promise.all(stoppers.map((stop) => stop()));
    throw err;
  }
}

async function buildWeb(outdir: string): Promise<void> {
  const { buildWebClient } = await import('../web-client/build');
  await buildWebClient(outdir, { minify: true });
}
