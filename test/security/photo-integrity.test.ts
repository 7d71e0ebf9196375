import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import jpeg from 'jpeg-js';
import { createHash, randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { inviteDetailSchema } from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import { api, auditTrail, httpRequestBytes, outputs, type TestUser } from '../support/cloud';
import {
  newCaller,
  newDispatcher,
  newOrg,
  openInvite,
  postForm,
  sha256Hex,
  type TestCaller,
} from '../support/invites';
import { expectProblem } from '../support/problems';

/**
 * Caller photos as an attacker tries them: bytes other than the declared ones, a replayed upload
 * form, a burst of parallel requests past the cap, and a dispatcher's page reading full-size
 * photos without the audited reveal.
 */

interface Upload {
  photoId: string;
  upload: { url: string; fields: Record<string, string> };
}

async function declare(caller: TestCaller, token: string, bytes: Buffer, contentType = 'image/jpeg') {
  const answer = await caller.call('createCitizenPhoto', token, {
    contentType,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  });
  expect(answer.status).toBe(201);
  return answer.json() as Upload;
}

async function inviteDetail(dispatcher: TestUser, inviteId: string) {
  const answer = await api('getInvite', { token: dispatcher.idToken, params: { inviteId } });
  expect(answer.status).toBe(200);
  const body = answer.json();
  expect(explainInvalid(inviteDetailSchema, body)).toBeNull();
  return { text: answer.text, body: body as { photos: Record<string, unknown>[] } };
}

/** The bytes a reveal hands out: what the bucket holds under that photo's key. */
async function revealed(dispatcher: TestUser, inviteId: string, photoId: string): Promise<Buffer> {
  const answer = await api('revealPhoto', { token: dispatcher.idToken, params: { inviteId, photoId } });
  expect(answer.status).toBe(200);
  const got = await httpRequestBytes(answer.json().url);
  expect(got.status).toBe(200);
  return got.body;
}

/** A 640×480 photo full of detail: noise over a gradient, so any faithful copy keeps its edges. */
function detailedPixels(width = 640, height = 480): Buffer {
  const data = Buffer.alloc(width * height * 4);
  const noise = randomBytes(width * height);
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    data[i * 4] = (x * 255) / width;
    data[i * 4 + 1] = noise[i]!;
    data[i * 4 + 2] = noise[i]! ^ 0xaa;
    data[i * 4 + 3] = 255;
  }
  return data;
}

/** Mean absolute difference between horizontal neighbours: high for detail, low once blurred. */
function detail(rgba: Uint8Array, width: number, height: number): number {
  let sum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 1; x < width; x++) {
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) sum += Math.abs(rgba[i + c]! - rgba[i + c - 4]!);
    }
  }
  return sum / (3 * height * (width - 1));
}

describe('photo integrity and reveals', () => {
  test('bytes other than the declared ones, of the same size, are refused by the bucket', async () => {
    const dispatcher = await newDispatcher((await newOrg()).orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const declared = randomBytes(4096);
    const { upload } = await declare(caller, token, declared);
    const other = randomBytes(declared.length);
    const refused = await postForm(upload, other);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<Code>BadDigest</Code>');
    // Nor can the form be made to name the other bytes' checksum: the policy pins it.
    const renamed = await postForm(upload, other, {
      'x-amz-checksum-sha256': createHash('sha256').update(other).digest('base64'),
    });
    expect(renamed.status).toBe(403);
    // Nothing arrived, so the dispatcher sees nothing.
    expect((await inviteDetail(dispatcher, invite.inviteId)).body.photos).toEqual([]);
  });

  test('a replayed upload form cannot change what the photo is', async () => {
    const dispatcher = await newDispatcher((await newOrg()).orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const first = randomBytes(2048);
    const { photoId, upload } = await declare(caller, token, first);
    expect((await postForm(upload, first)).status).toBe(204);
    const replay = await postForm(upload, randomBytes(first.length));
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('<Code>BadDigest</Code>');
    // The same form can only ever write the same bytes again: the photo is what was declared.
    await postForm(upload, first);
    expect(sha256Hex(await revealed(dispatcher, invite.inviteId, photoId))).toBe(sha256Hex(first));
  });

  test('60 parallel requests for upload forms get at most 50, the rest a 429', async () => {
    const dispatcher = await newDispatcher((await newOrg()).orgId);
    const { token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const bytes = randomBytes(100);
    const answers = await Promise.all(
      Array.from({ length: 60 }, () =>
        caller.call('createCitizenPhoto', token, {
          contentType: 'image/png',
          size: bytes.length,
          sha256: sha256Hex(bytes),
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(50);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    expectProblem(
      answers.find((a) => a.status === 429)!,
      429,
      'THROTTLED',
    );
    // And the cap stays once reached.
    expectProblem(
      await caller.call('createCitizenPhoto', token, {
        contentType: 'image/png',
        size: bytes.length,
        sha256: sha256Hex(bytes),
      }),
      429,
      'THROTTLED',
    );
  }, 60_000);

  test('the invite shows a blurred thumbnail made by the server, never a full-size URL; the reveal is audited', async () => {
    const dispatcher = await newDispatcher((await newOrg()).orgId);
    const { invite, token } = await openInvite(dispatcher);
    const caller = await newCaller();
    const width = 640;
    const height = 480;
    const pixels = detailedPixels(width, height);
    const photoJpeg = Buffer.from(jpeg.encode({ data: pixels, width, height }, 90).data);
    const png = new PNG({ width, height });
    pixels.copy(png.data);
    const photoPng = PNG.sync.write(png);
    const sent: { photoId: string; bytes: Buffer }[] = [];
    for (const [bytes, type] of [
      [photoJpeg, 'image/jpeg'],
      [photoPng, 'image/png'],
    ] as const) {
      const { photoId, upload } = await declare(caller, token, bytes, type);
      expect((await postForm(upload, bytes)).status).toBe(204);
      sent.push({ photoId, bytes });
    }

    // Previews are made a few per listing, as the console's refreshes ask; on no answer is there
    // a presigned link or the key of an original.
    let body: { photos: Record<string, unknown>[] } = { photos: [] };
    for (let i = 0; i < 5 && !(body.photos.length === 2 && body.photos.every((p) => p.thumbnail)); i++) {
      const answer = await inviteDetail(dispatcher, invite.inviteId);
      expect(answer.text).not.toMatch(/X-Amz-Signature|X-Amz-Credential/i);
      for (const { photoId } of sent) {
        expect(answer.text).not.toContain(`invites/${invite.inviteId}/${photoId}`);
      }
      body = answer.body;
    }
    expect(body.photos).toHaveLength(2);
    for (const photo of body.photos) {
      expect(photo).not.toHaveProperty('url');
      const thumbnail = photo.thumbnail as string;
      expect(thumbnail).toMatch(/^data:image\/jpeg;base64,/);
      const bytes = Buffer.from(thumbnail.slice(thumbnail.indexOf(',') + 1), 'base64');
      const original = sent.find((s) => s.photoId === photo.photoId)!.bytes;
      expect(bytes.equals(original)).toBe(false);
      expect(bytes.length).toBeLessThan(original.length / 50);
      const small = jpeg.decode(bytes, { useTArray: true });
      expect(Math.max(small.width, small.height)).toBeLessThanOrEqual(32);
      // Blurred: far less detail between neighbours than the original has.
      expect(detail(small.data, small.width, small.height)).toBeLessThan(detail(pixels, width, height) / 4);
    }

    // The previews go with the photos: their rows expire with the photos' retention (30 days).
    const { ddb } = await import('../../lambda/core/clients');
    const rows = await ddb.send(
      new QueryCommand({
        TableName: outputs.tables.photos,
        KeyConditionExpression: 'inviteId = :id',
        ExpressionAttributeValues: { ':id': invite.inviteId },
      }),
    );
    for (const row of rows.Items ?? []) {
      expect(row.expiresAt).toBe(Math.floor(Date.parse(row.takenAt as string) / 1000) + 30 * 86_400);
    }

    // The full-size bytes come only through the reveal, and each reveal is on the audit trail.
    const photoId = sent[0]!.photoId;
    expect(sha256Hex(await revealed(dispatcher, invite.inviteId, photoId))).toBe(sha256Hex(sent[0]!.bytes));
    const audit = await auditTrail(`invite#${invite.inviteId}`);
    const views = audit.filter((a) => a.action === 'photo.viewed');
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ actor: dispatcher.sub, detail: { photoId } });
  }, 60_000);
});
