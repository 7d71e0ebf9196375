import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createHash, randomBytes } from 'node:crypto';
import { request, type Agent } from 'node:https';
import { callerRolePolicy } from '../../lambda/core/kvs-policies';
import { ADMIN, sdkConfig, startPrivateAws, type Credentials, type PrivateAws } from '../support/aws';
import { formBody } from '../support/invites';

/**
 * The S3 emulator on its own, with a clock the test moves: a presigned POST or GET stops working
 * when it expires, and nobody without s3 permissions can read photos, whatever they sign with.
 */
const BUCKET = 'photos-test';
const KEY = 'invites/inv_AAAAAAAAAAAAAAAAAAAAAA/ph_0000000001AAAAAAAAAAAAAAAA';

function send(
  agent: Agent,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('S3 emulator: presigned uploads and downloads', () => {
  let priv: PrivateAws;
  let s3: S3Client;
  const s3For = (credentials: Credentials) =>
    new S3Client({ ...sdkConfig(priv.agent, credentials, priv.aws.endpoints.s3), forcePathStyle: true });

  beforeAll(async () => {
    priv = await startPrivateAws();
    priv.aws.createBucket({ name: BUCKET, corsOrigins: ['https://web.example'] });
    s3 = s3For(ADMIN);
  });
  afterAll(async () => {
    s3.destroy();
    await priv.close();
  });

  const presign = (bytes: Buffer, client = s3) =>
    createPresignedPost(client, {
      Bucket: BUCKET,
      Key: KEY,
      Conditions: [
        ['content-length-range', bytes.length, bytes.length],
        ['eq', '$Content-Type', 'image/jpeg'],
      ],
      Fields: { 'Content-Type': 'image/jpeg' },
      Expires: 300,
    });
  const post = (upload: { url: string; fields: Record<string, string> }, bytes: Buffer) => {
    const form = formBody(upload.fields, bytes);
    return send(priv.agent, upload.url, {
      method: 'POST',
      headers: { 'Content-Type': form.contentType },
      body: form.body,
    });
  };

  test('a presigned POST works until its policy expires', async () => {
    const bytes = randomBytes(500);
    const upload = await presign(bytes);
    priv.advance(301_000);
    const late = await post(upload, bytes);
    priv.advance(-301_000);
    expect(late.status).toBe(403);
    expect(late.text).toContain('Policy expired');
    expect((await post(upload, bytes)).status).toBe(204);
  });

  test('a checksum the form names is computed over the bytes: a mismatch is BadDigest, the object keeps it', async () => {
    const bytes = randomBytes(700);
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
    const presignWith = (fields: Record<string, string>) =>
      createPresignedPost(s3, {
        Bucket: BUCKET,
        Key: KEY,
        Conditions: [
          ['content-length-range', bytes.length, bytes.length],
          ...Object.entries(fields).map(([k, v]) => ['eq', `$${k}`, v] as ['eq', string, string]),
        ],
        Fields: fields,
        Expires: 300,
      });
    const pinned = await presignWith({
      'x-amz-checksum-algorithm': 'SHA256',
      'x-amz-checksum-sha256': sha256(bytes),
    });
    const other = await post(pinned, randomBytes(bytes.length));
    expect(other.status).toBe(400);
    expect(other.text).toContain('<Code>BadDigest</Code>');
    const malformed = await post(await presignWith({ 'x-amz-checksum-sha256': 'not-a-digest' }), bytes);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('<Code>InvalidRequest</Code>');
    const named = await post(await presignWith({ 'x-amz-checksum-algorithm': 'SHA256' }), bytes);
    expect(named.status).toBe(400);
    expect(named.text).toContain('<Code>InvalidRequest</Code>');
    const two = await post(
      await presignWith({
        'x-amz-checksum-sha256': sha256(bytes),
        'x-amz-checksum-sha1': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
      bytes,
    );
    expect(two.status).toBe(400);
    expect((await post(pinned, bytes)).status).toBe(204);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumSHA256).toBe(sha256(bytes));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  test('a presigned GET works until X-Amz-Expires, and only as signed', async () => {
    const bytes = randomBytes(300);
    expect((await post(await presign(bytes), bytes)).status).toBe(204);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: KEY }), { expiresIn: 60 });
    const ok = await send(priv.agent, url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(ok.text, 'utf8').length).toBeGreaterThan(0);
    priv.advance(61_000);
    const expired = await send(priv.agent, url);
    priv.advance(-61_000);
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('Request has expired');
    const unsigned = await send(priv.agent, `${priv.aws.endpoints.s3}/${BUCKET}/${KEY}`);
    expect(unsigned.status).toBe(403);
    const otherKey = await send(priv.agent, url.replace('ph_0000000001', 'ph_0000000002'));
    expect(otherKey.status).toBe(403);
    expect(otherKey.text).toContain('SignatureDoesNotMatch');
  });

  test('credentials without s3 permissions (a caller session) can neither upload nor read', async () => {
    priv.aws.registerRole({
      arn: 'arn:aws:iam::000000000000:role/caller-test',
      policy: callerRolePolicy({ partition: 'aws', region: 'us-east-1', account: '000000000000' }),
      trustedPrincipals: ['arn:aws:iam::000000000000:role/sightline-local-functions'],
    });
    const sts = new STSClient(sdkConfig(priv.agent, ADMIN, priv.aws.endpoints.sts));
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::000000000000:role/caller-test',
        RoleSessionName: 'caller',
      }),
    );
    sts.destroy();
    const c = assumed.Credentials!;
    const caller = s3For({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    const bytes = randomBytes(10);
    const denied = await post(await presign(bytes, caller), bytes);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('AccessDenied');
    const url = await getSignedUrl(caller, new GetObjectCommand({ Bucket: BUCKET, Key: KEY }), {
      expiresIn: 60,
    });
    expect((await send(priv.agent, url)).status).toBe(403);
    caller.destroy();
  });

  test('CORS: the web origin may upload from the browser; another origin may not', async () => {
    const preflight = (origin: string) =>
      send(priv.agent, `${priv.aws.endpoints.s3}/${BUCKET}`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    const allowed = await preflight('https://web.example');
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://web.example');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
