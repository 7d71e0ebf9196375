import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CitizenPhotoResponse, Photo } from '../contract/types';
import { ddb } from './clients';
import { requireEnv } from './env';
import { isConditionFailure, ProblemError } from './errors';
import { randomIdPart } from './invite-tokens';
import { blurredThumbnail } from './thumbnails';

/**
 * Caller photos (docs/design.md §3): the browser uploads straight to S3 with a presigned POST whose
 * policy fixes the key, the exact size, the type and the SHA-256 the caller declared, as the
 * checksum S3 itself computes over the bytes and refuses on mismatch. The API only records what
 * was promised. Dispatchers see a blurred preview made here; the full-size photo only through
 * the audited reveal, by a short-lived GET URL.
 *
 * Written once: S3 has no conditional write for POST uploads (If-None-Match is for PUT and
 * multipart completion), so a form may be posted again while it is valid. Each form names a
 * fresh key and pins every field, the size and the SHA-256 checksum, so posting it again can
 * only write the very same bytes, type and tags to the same key: the photo cannot change.
 */

/** How long a presigned POST may be used. */
export const UPLOAD_SECONDS = 300;
/** How long a dispatcher's photo URL works. */
export const VIEW_SECONDS = 300;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** At most this many photos per invite (each costs a presigned POST and a row). */
export const MAX_PHOTOS_PER_INVITE = 50;
/**
 * How much one listing reads of newly arrived photos to make their previews (seconds of
 * decoding for a 12 MP photo): at least one photo, then more while they fit; the others get
 * theirs on the console's next refreshes.
 */
export const PREVIEW_BYTES_PER_LISTING = 4 * 1024 * 1024;

const PHOTOS_TABLE = () => requireEnv('TABLE_PHOTOS');
const INVITES_TABLE = () => requireEnv('TABLE_INVITES');
const BUCKET = () => requireEnv('PHOTOS_BUCKET');

let s3: S3Client | undefined;
function client(): S3Client {
  // Path-style only behind an endpoint override (the local cloud), where bucket host names do
  // not resolve; on AWS the SDK's default virtual-hosted style applies.
  s3 ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
  return s3;
}

export interface PhotoItem {
  inviteId: string;
  /** Sort key: time then id, so a query lists an invite's photos in time order. */
  takenAtPhotoId: string;
  photoId: string;
  takenAt: string;
  contentType: Photo['contentType'];
  size: number;
  sha256: string;
  key: string;
  /** Set once the object has been seen in the bucket (and its preview made). */
  uploaded?: boolean;
  /** The blurred preview, a `data:` URL; absent when the photo's type cannot be decoded here. */
  thumbnail?: string;
  /** DynamoDB TTL (epoch seconds): the photo's retention, as its object's lifecycle rule. */
  expiresAt: number;
}

/** Photo ids sort by time: a base36 millisecond stamp, then 96 random bits. */
export function newPhotoId(now = Date.now()): string {
  return `ph_${now.toString(36).padStart(9, '0')}${randomIdPart(12)}`;
}

export function photoKey(inviteId: string, photoId: string): string {
  return `invites/${inviteId}/${photoId}`;
}

/** S3's additional checksums are base64; the contract carries the SHA-256 as hex. */
export function checksumSha256(sha256Hex: string): string {
  return Buffer.from(sha256Hex, 'hex').toString('base64');
}

/**
 * Takes one of the invite's photo slots, or refuses: one conditional increment on the invite, so
 * parallel requests cannot all pass a count made before any of them wrote. A slot is never given
 * back (a form that is never used still counted), which keeps the cap a hard one.
 */
export async function takePhotoSlot(inviteId: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: INVITES_TABLE(),
        Key: { inviteId },
        UpdateExpression: 'ADD photoSlots :one',
        ConditionExpression:
          'attribute_exists(inviteId) AND (attribute_not_exists(photoSlots) OR photoSlots < :max)',
        ExpressionAttributeValues: { ':one': 1, ':max': MAX_PHOTOS_PER_INVITE },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    throw new ProblemError('THROTTLED', `At most ${MAX_PHOTOS_PER_INVITE} photos can be sent on one link.`);
  }
}

/**
 * Records the photo the caller is about to send, then signs the upload for exactly it. The
 * policy's conditions are all exact: key, Content-Type, size, the SHA-256 checksum S3 verifies
 * (and the same SHA-256 as metadata), and the retention tag.
 */
export async function preparePhotoUpload(
  inviteId: string,
  declared: { contentType: Photo['contentType']; size: number; sha256: string },
  retentionDays: number,
  now = new Date(),
): Promise<CitizenPhotoResponse> {
  const photoId = newPhotoId(now.getTime());
  const key = photoKey(inviteId, photoId);
  const retention = retentionClass(retentionDays);
  const item: PhotoItem = {
    inviteId,
    takenAtPhotoId: `${now.toISOString()}#${photoId}`,
    photoId,
    takenAt: now.toISOString(),
    contentType: declared.contentType,
    size: declared.size,
    sha256: declared.sha256,
    key,
    // The row, and the preview on it, go when the bucket's lifecycle deletes the photo.
    expiresAt: Math.floor(now.getTime() / 1000) + (retention ?? retentionDays) * 86_400,
  };
  await ddb.send(
    new PutCommand({
      TableName: PHOTOS_TABLE(),
      Item: item,
      ConditionExpression: 'attribute_not_exists(inviteId)',
    }),
  );
  const fields: Record<string, string> = {
    'Content-Type': declared.contentType,
    'x-amz-checksum-algorithm': 'SHA256',
    'x-amz-checksum-sha256': checksumSha256(declared.sha256),
    'x-amz-meta-sha256': declared.sha256,
  };
  if (retention !== undefined) fields.tagging = taggingXml({ [RETENTION_TAG]: String(retention) });
  const post = await createPresignedPost(client(), {
    Bucket: BUCKET(),
    Key: key,
    // Every field pinned to its exact value, and the size to the declared one.
    Conditions: [
      ['content-length-range', declared.size, declared.size],
      ...Object.entries(fields).map(([name, value]) => ['eq', `$${name}`, value] as ['eq', string, string]),
    ],
    Fields: fields,
    Expires: UPLOAD_SECONDS,
  });
  return { photoId, upload: { url: post.url, fields: post.fields } };
}

/** The object tag whose value picks a photo's lifecycle rule in the bucket. */
export const RETENTION_TAG = 'retention-days';

/**
 * The retention class for an organisation's retention: the shortest class that keeps photos at
 * least that long, else the longest (the bucket's ceiling). None when the bucket has no classes.
 */
export function retentionClass(
  days: number,
  classesEnv = process.env.PHOTO_RETENTION_CLASSES,
): number | undefined {
  const classes = (classesEnv ?? '')
    .split(',')
    .map((c) => Number(c.trim()))
    .filter((c) => Number.isInteger(c) && c > 0)
    .sort((a, b) => a - b);
  return classes.find((c) => c >= days) ?? classes[classes.length - 1];
}

/** S3's XML tagging document, as a POST form's `tagging` field carries it. */
export function taggingXml(tags: Record<string, string>): string {
  const body = Object.entries(tags)
    .map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`)
    .join('');
  return `<Tagging><TagSet>${body}</TagSet></Tagging>`;
}

/** S3 answers 403 rather than 404 for a missing key to a reader without s3:ListBucket. */
function isMissing(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404 || status === 403 || ['NotFound', 'NoSuchKey'].includes((err as Error).name);
}

async function exists(key: string): Promise<boolean> {
  try {
    await client().send(new HeadObjectCommand({ Bucket: BUCKET(), Key: key }));
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** A photo's bytes, read with S3's stored checksum checked by the SDK. */
async function readPhoto(key: string): Promise<Buffer | undefined> {
  try {
    const out = await client().send(
      new GetObjectCommand({ Bucket: BUCKET(), Key: key, ChecksumMode: 'ENABLED' }),
    );
    return Buffer.from(await out.Body!.transformToByteArray());
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** A short-lived GET URL for one photo: only the audited reveal hands one out. */
export function photoUrl(key: string): Promise<string> {
  return getSignedUrl(client(), new GetObjectCommand({ Bucket: BUCKET(), Key: key }), {
    expiresIn: VIEW_SECONDS,
  });
}

/**
 * The first sight of a photo in the bucket: its bytes are checked against the SHA-256 the caller
 * declared, its blurred preview is made, and both are remembered so it is read only once. False
 * when it has not arrived (or, impossible with the pinned checksum, holds other bytes).
 */
async function takeIn(item: PhotoItem): Promise<boolean> {
  const bytes = await readPhoto(item.key);
  if (!bytes || createHash('sha256').update(bytes).digest('hex') !== item.sha256) return false;
  const thumbnail = blurredThumbnail(bytes, item.contentType);
  await ddb.send(
    new UpdateCommand({
      TableName: PHOTOS_TABLE(),
      Key: { inviteId: item.inviteId, takenAtPhotoId: item.takenAtPhotoId },
      UpdateExpression: thumbnail ? 'SET uploaded = :yes, thumbnail = :t' : 'SET uploaded = :yes',
      ExpressionAttributeValues: { ':yes': true, ...(thumbnail ? { ':t': thumbnail } : {}) },
    }),
  );
  item.uploaded = true;
  if (thumbnail) item.thumbnail = thumbnail;
  return true;
}

/**
 * An invite's photos that have really arrived, newest first, each with its blurred preview and
 * never a link to the photo itself. A photo whose upload never came is left out; a new arrival is
 * taken in once (a few per listing, the others listed without a preview until a later one), then
 * remembered.
 */
export async function listPhotos(inviteId: string): Promise<Photo[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: PHOTOS_TABLE(),
      KeyConditionExpression: 'inviteId = :id',
      ExpressionAttributeValues: { ':id': inviteId },
      ScanIndexForward: false,
      Limit: MAX_PHOTOS_PER_INVITE,
    }),
  );
  const items = (out.Items ?? []) as PhotoItem[];
  // Which promised photos have arrived is cheap to ask; only a few are read and decoded.
  const pending = items.filter((item) => !item.uploaded);
  const present = await Promise.all(pending.map((item) => exists(item.key)));
  const arrived = new Set(pending.filter((_, i) => present[i]));
  let budget = PREVIEW_BYTES_PER_LISTING;
  for (const item of arrived) {
    if (budget < item.size && budget < PREVIEW_BYTES_PER_LISTING) break;
    budget -= item.size;
    if (!(await takeIn(item))) arrived.delete(item);
  }
  return items
    .filter((item) => item.uploaded || arrived.has(item))
    .map((item) => ({
      photoId: item.photoId,
      takenAt: item.takenAt,
      contentType: item.contentType,
      size: item.size,
      sha256: item.sha256,
      ...(item.thumbnail ? { thumbnail: item.thumbnail } : {}),
    }));
}

/** One photo of an invite by id, if it was promised. */
export async function findPhoto(inviteId: string, photoId: string): Promise<PhotoItem | undefined> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: PHOTOS_TABLE(),
      KeyConditionExpression: 'inviteId = :id',
      FilterExpression: 'photoId = :photo',
      ExpressionAttributeValues: { ':id': inviteId, ':photo': photoId },
    }),
  );
  return (out.Items?.[0] as PhotoItem | undefined) ?? undefined;
}
