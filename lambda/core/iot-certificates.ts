import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  ListAttachedPoliciesCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';

/**
 * Retiring an IoT certificate, in the order AWS IoT requires: deactivate it, detach its
 * policies, then delete it. Detachments take a few seconds to propagate, so the steps that
 * depend on them are retried for a while. A certificate that is already gone is done.
 */
export async function retireCertificate(
  iot: IoTClient,
  certificateArn: string,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<void> {
  const certificateId = certificateArn.slice(certificateArn.lastIndexOf('/') + 1);
  try {
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    let marker: string | undefined;
    do {
      const page = await iot.send(new ListAttachedPoliciesCommand({ target: certificateArn, marker }));
      for (const policy of page.policies ?? []) {
        await iot.send(new DetachPolicyCommand({ policyName: policy.policyName!, target: certificateArn }));
      }
      marker = page.nextMarker;
    } while (marker);
    await retrying(
      () => iot.send(new DeleteCertificateCommand({ certificateId, forceDelete: true })),
      PROPAGATING,
      wait,
    );
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
}

/**
 * Retires the certificate a thing had (a camera that provisions again after its owner allowed
 * it): deactivated first, so it cannot connect as the thing a moment longer than needed, then
 * detached from the thing and deleted. A certificate that is already gone is done.
 */
export async function retireThingCertificate(
  iot: IoTClient,
  thingName: string,
  certificateId: string,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<void> {
  try {
    const { certificateDescription } = await iot.send(new DescribeCertificateCommand({ certificateId }));
    const certificateArn = certificateDescription?.certificateArn;
    if (!certificateArn) throw new Error(`DescribeCertificate gave no ARN for ${certificateId}`);
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    await iot.send(new DetachThingPrincipalCommand({ thingName, principal: certificateArn }));
    await retireCertificate(iot, certificateArn, wait);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
}

/** Errors AWS IoT gives while a detachment has not propagated yet. */
export const PROPAGATING = new Set([
  'DeleteConflictException',
  'CertificateStateException',
  'InvalidRequestException',
]);

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ResourceNotFoundException';
}

/** Runs `call`, again after 1, 2, 4, 8, 8… seconds (about a minute in all) while it fails with `retryOn`. */
export async function retrying<T>(
  call: () => Promise<T>,
  retryOn: ReadonlySet<string>,
  wait: (ms: number) => Promise<void> = sleep,
  attempts = 10,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof Error) || !retryOn.has(err.name) || attempt >= attempts) throw err;
      await wait(Math.min(8000, 1000 * 2 ** (attempt - 1)));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
