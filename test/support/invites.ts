import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { generateLinkKey, signLinkRequest } from '../../lambda/contract/link-proof';
import { routes, type OperationId } from '../../lambda/contract/routes';
import type { Invite } from '../../lambda/contract/types';
import {
  api,
  cognito,
  httpRequest,
  newUser,
  outputs,
  setUpTotp,
  signIn,
  signInWithTotp,
  type HttpAnswer,
  type TestUser,
} from './cloud';

/**
 * "Show me" helpers for tests against the shared local cloud: organisations and dispatchers of
 * their own (so tests never share credits or rate windows), invites, links read from the outbox,
 * and caller requests signed with a link key, as the caller's page signs them.
 */

export interface TestOrg {
  orgId: string;
  name: string;
}

export async function newOrg(
  overrides: Partial<{ smsCredits: number; allowedCountries: string[]; inviteLifetimeSeconds: number }> = {},
): Promise<TestOrg> {
  const { createOrganisation } = await import('../../lambda/core/organisations');
  const orgId = `org_t${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const name = `Test Centre ${orgId.slice(-6)}`;
  const created = await createOrganisation({
    orgId,
    name,
    smsCredits: overrides.smsCredits ?? 50,
    allowedCountries: overrides.allowedCountries ?? ['BE', 'FR', 'NL', 'DE', 'ES', 'GB', 'US'],
    inviteLifetimeSeconds: overrides.inviteLifetimeSeconds ?? 3600,
    photoRetentionDays: 30,
    locale: 'en',
  });
  if (!created) throw new Error(`Organisation ${orgId} exists already`);
  return { orgId, name };
}

/**
 * A signed-in dispatcher of `orgId` (in the group, with `custom:orgId`, as `npm run orgs` makes
 * them), with an authenticator app and signed in with it, as every dispatcher must be.
 */
export async function newDispatcher(orgId: string): Promise<TestUser & { totpSecret: string }> {
  const user = await newUnenrolledDispatcher(orgId);
  const totpSecret = await setUpTotp(user.username, user.password);
  return { ...user, totpSecret, idToken: await signInWithTotp(user.username, user.password, totpSecret) };
}

/** A dispatcher of `orgId` who has not set up an authenticator app, signed in with the password. */
export async function newUnenrolledDispatcher(orgId: string): Promise<TestUser> {
  const user = await newUser([{ Name: 'custom:orgId', Value: orgId }]);
  await cognito.send(
    new AdminAddUserToGroupCommand({
      UserPoolId: outputs.userPoolId,
      Username: user.username,
      GroupName: 'dispatchers',
    }),
  );
  // The group reaches the ID token at the next sign-in.
  return { ...user, idToken: await signIn(user.username, user.password) };
}

/** A random Belgian mobile number (+32 47x), so tests never share a number's rate window. */
export function newMobileNumber(): string {
  return `+32470${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

export async function sendInvite(
  dispatcher: TestUser,
  body: { phoneNumber: string; reference?: string; locale?: string },
): Promise<HttpAnswer> {
  return api('createInvite', { token: dispatcher.idToken, body });
}

/** The newest SMS to `phoneNumber` in the outbox, and the token in its link. */
export async function linkFromOutbox(
  phoneNumber: string,
): Promise<{ text: string; link: string; token: string }> {
  const answer = await httpRequest(`${outputs.webUrl}/local/outbox.json`);
  const messages = (answer.json() as { messages: { channel: string; to: string; text: string }[] }).messages;
  const sms = messages.find((m) => m.channel === 'sms' && m.to === phoneNumber);
  if (!sms) throw new Error(`No SMS to ${phoneNumber} in the outbox`);
  const link = /https:\/\/\S+\/c\/#[A-Za-z0-9_-]+/.exec(sms.text)?.[0];
  if (!link) throw new Error(`No link in the SMS: ${sms.text}`);
  return { text: sms.text, link, token: link.slice(link.indexOf('#') + 1) };
}

/** A caller's browser: its own link key, signing every request as the caller's page does. */
export interface TestCaller {
  keys: CryptoKeyPair;
  call(op: OperationId, token: string, extra?: Record<string, unknown>): Promise<HttpAnswer>;
}

export async function newCaller(): Promise<TestCaller> {
  const keys = await generateLinkKey();
  return {
    keys,
    async call(op, token, extra = {}) {
      const route = routes[op];
      const body = await signLinkRequest(keys, {
        method: route.method,
        path: route.path,
        body: { token, ...extra },
      });
      return api(op, { body });
    },
  };
}

/** A dispatcher sends an invite, and a caller opens its link. */
export async function openInvite(dispatcher: TestUser, reference = 'INC-1') {
  const phoneNumber = newMobileNumber();
  const sent = await sendInvite(dispatcher, { phoneNumber, reference });
  if (sent.status !== 201) throw new Error(`createInvite answered ${sent.status}: ${sent.text}`);
  const { token, text } = await linkFromOutbox(phoneNumber);
  return { phoneNumber, invite: sent.json() as Invite, token, text };
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A browser form's multipart body for a presigned POST: the fields, then the file last. */
export function formBody(
  fields: Record<string, string>,
  file: Buffer,
): { body: Buffer; contentType: string } {
  const boundary = `----sightline${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\nContent-Type: ${
        fields['Content-Type'] ?? 'application/octet-stream'
      }\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Posts a file to a presigned POST as a browser form does, with some fields changed if asked. */
export function postForm(
  upload: { url: string; fields: Record<string, string> },
  file: Buffer,
  overrides: Record<string, string> = {},
): Promise<HttpAnswer> {
  const { body, contentType } = formBody({ ...upload.fields, ...overrides }, file);
  return httpRequest(upload.url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}
