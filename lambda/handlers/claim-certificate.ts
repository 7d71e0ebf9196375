import { CreateKeysAndCertificateCommand, DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceHandler, stackScope, type CustomResourceOutcome } from '../core/cfn-response';
import { retireCertificate } from '../core/iot-certificates';

const iot = new IoTClient({});
const secrets = new SecretsManagerClient({});

/** The custom resource's properties, as the CDK construct sets them. */
export interface ClaimCertificateProperties {
  /** The secret that receives `{ certificateId, certificatePem, privateKey }`. */
  SecretArn: string;
  /** Change it to issue a new claim certificate (for a new batch); the old one is retired. */
  Rotation?: string;
}

const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

/**
 * The fleet's claim certificate (docs/design.md §1, journey 2). AWS IoT makes the key pair; the key
 * goes straight into Secrets Manager and never into CloudFormation, whose response carries ids
 * and endpoints only. The IoT endpoints a device needs come with it, since CloudFormation has
 * no attribute for them. Delete (and the old one after a rotation) deactivates, detaches and
 * deletes the certificate.
 */
export const handler = customResourceHandler('claim certificate', async (event) => {
  const props = event.ResourceProperties as unknown as ClaimCertificateProperties;
  const scope = stackScope(event);
  const arnOf = (id: string) => `arn:${scope.partition}:iot:${scope.region}:${scope.account}:cert/${id}`;

  if (event.RequestType === 'Delete') {
    if (CERTIFICATE_ID.test(event.PhysicalResourceId))
      await retireCertificate(iot, arnOf(event.PhysicalResourceId));
    return { physicalResourceId: event.PhysicalResourceId };
  }
  if (event.RequestType === 'Update' && !needsNewCertificate(event)) {
    return outcome(event.PhysicalResourceId, arnOf(event.PhysicalResourceId));
  }

  const created = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const { certificateId, certificateArn, certificatePem } = created;
  const privateKey = created.keyPair?.PrivateKey;
  if (!certificateId || !certificateArn || !certificatePem || !privateKey) {
    throw new Error('CreateKeysAndCertificate returned no certificate or key');
  }
  try {
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: props.SecretArn,
        SecretString: JSON.stringify({ certificateId, certificatePem, privateKey }),
      }),
    );
    return await outcome(certificateId, certificateArn);
  } catch (err) {
    // Nobody will ever hold this key: retire the certificate rather than leave it active.
    await retireCertificate(iot, certificateArn);
    throw err;
  }
});

function needsNewCertificate(event: CloudFormationCustomResourceEvent & { RequestType: 'Update' }): boolean {
  const now = event.ResourceProperties as unknown as ClaimCertificateProperties;
  const before = event.OldResourceProperties as unknown as ClaimCertificateProperties;
  return (
    !CERTIFICATE_ID.test(event.PhysicalResourceId) ||
    now.Rotation !== before.Rotation ||
    now.SecretArn !== before.SecretArn
  );
}

async function outcome(certificateId: string, certificateArn: string): Promise<CustomResourceOutcome> {
  const [credentials, data] = await Promise.all([
    iot.send(new DescribeEndpointCommand({ endpointType: 'iot:CredentialProvider' })),
    iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })),
  ]);
  if (!credentials.endpointAddress || !data.endpointAddress)
    throw new Error('DescribeEndpoint returned no address');
  return {
    physicalResourceId: certificateId,
    data: {
      CertificateId: certificateId,
      CertificateArn: certificateArn,
      CredentialEndpoint: credentials.endpointAddress,
      DataEndpoint: data.endpointAddress,
    },
  };
}
