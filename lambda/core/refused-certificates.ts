import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordAudit } from './audit';
import { ddb } from './clients';
import { requireEnv } from './env';

/**
 * Fleet provisioning makes a device's certificate before the pre-provisioning hook decides; when
 * the hook refuses, AWS IoT leaves that certificate behind, attached to nothing. The hook records
 * each one in the audit trail under one subject, so the fleet teardown can find and delete
 * exactly those (and no other certificate of the account) when the stack is destroyed.
 */
export const REFUSED_CERTIFICATES_SUBJECT = 'fleet#refused-certificates';

export async function recordRefusedCertificate(certificateId: string, serial: string | null): Promise<void> {
  await recordAudit({
    subject: REFUSED_CERTIFICATES_SUBJECT,
    action: 'device.provisioning_refused',
    actor: 'system.pre-provisioning-hook',
    detail: { certificateId, ...(serial ? { serial } : {}) },
  });
}

/** Every certificate id the hook refused, oldest first, each once. */
export async function listRefusedCertificates(): Promise<string[]> {
  const ids = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: requireEnv('TABLE_AUDIT'),
        KeyConditionExpression: 'subject = :s',
        ExpressionAttributeValues: { ':s': REFUSED_CERTIFICATES_SUBJECT },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const id = (item.detail as { certificateId?: unknown } | undefined)?.certificateId;
      if (typeof id === 'string' && /^[0-9a-f]{64}$/.test(id)) ids.add(id);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return [...ids];
}
