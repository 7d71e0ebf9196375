import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalAws } from '../../local/aws';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/constants';
import { startLocalIot } from '../../local/iot';
import { ensureTls } from '../../local/tls';

/**
 * A private instance of the local AWS IoT, run as its own process (aedes is an ES module, which
 * jest's CommonJS runtime cannot load), whose claim certificate may also call
 * CreateKeysAndCertificate. It prints its endpoint, CA and claim files as one JSON line and runs
 * until it is sent SIGTERM.
 */

const CREATE_TOPIC = '$aws/certificates/create/json';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-iot-'));
  const tls = await ensureTls(join(dir, 'tls'));
  const aws = createLocalAws({ origin: 'https://localhost:1' });
  const iot = await startLocalIot({ stateDir: dir, persist: false, tls, aws, log: () => undefined });
  const arn = (kind: string, topic: string) =>
    `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}/${topic}`;
  const replies = [`${CREATE_TOPIC}/accepted`, `${CREATE_TOPIC}/rejected`];
  iot.registry.putPolicy('create-keys', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic', CREATE_TOPIC) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: replies.map((t) => arn('topicfilter', t)) },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: replies.map((t) => arn('topic', t)) },
    ],
  });
  iot.registry.attachPolicy(iot.claimCertificateId, 'create-keys');
  process.stdout.write(`${JSON.stringify({ ...iot.outputs, ca: tls.caCertPem })}\n`);
  process.once('SIGTERM', () => {
    void iot.stop().finally(() => {
      aws.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

void main();
