import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CitizenPhotoResponse, Photo } from '../contract/types';
import { ddb } from './clients';
import { requireEnv } from './env';
import { randomIdPart } from './invite-tokens';

/**
 * Caller photos (design.md §3): the browser uploads straight to S3 with a presigned POST whose
 * policy fixes the key, the exact size, the type and the SHA-256 the caller declared; the API
 * only records what was promised, and dispatchers read photos through short-lived GET URLs.
 */

/** How long a presigned POST may be used. */
export const UPLOAD_SECONDS = 300;
/** How long a dispatcher's photo URL works. */
export const VIEW_SECONDS = 300;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** At most this many photos per invite (each costs a presigned POST and a row). */
export const MAX_PHOTOS_PER_INVITE = 50;

const PHOTOS_TABLE = () => requireEnv('TABLE_PHOTOS');
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
  /** Set once the object has been seen in the bucket. */
  uploaded?: boolean;
}

/** Photo ids sort by time: a base36 millisecond stamp, then 96 random bits. */
export function newPhotoId(now = Date.now()): string {
  return `ph_${now.toString(36).padStart(9, '0')}${randomIdPart(12)}`;
}

export function photoKey(inviteId: string, photoId: string): string {
  return `invites/${inviteId}/${photoId}`;
}

/**
 * Records the photo the caller is about to send, then signs the upload for exactly it. The
 * policy's conditions are all exact: key, Content-Type, size and SHA-256 metadata.
 */
export async function preparePhotoUpload(
  inviteId: string,
  declared: { contentType: Photo['contentType']; size: number; sha256: string },
  retentionDays: number,
  now = new Date(),
): Promise<CitizenPhotoResponse> {
  const photoId = newPhotoId(now.getTime());
  const key = photoKey(inviteId, photoId);
  const item: PhotoItem = {
    inviteId,
    takenAtPhotoId: `${now.toISOString()}#${photoId}`,
    photoId,
    takenAt: now.toISOString(),
    contentType: declared.contentType,
    size: declared.size,
    sha256: declared.sha256,
    key,
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
    'x-amz-meta-sha256': declared.sha256,
  };
  const retention = retentionClass(retentionDays);
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

/** How many photos an invite has been promised so far (to cap them). */
export async function countPhotos(inviteId: string): Promise<number> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: PHOTOS_TABLE(),
      KeyConditionExpression: 'inviteId = :id',
      ExpressionAttributeValues: { ':id': inviteId },
      Select: 'COUNT',
    }),
  );
  return out.Count ?? 0;
}

async function exists(key: string): Promise<boolean> {
  try {
    await client().send(new HeadObjectCommand({ Bucket: BUCKET(), Key: key }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || (err as Error).name === 'NotFound') return false;
    throw err;
  }
}

/** A short-lived GET URL for one photo. */
export function photoUrl(key: string): Promise<string> {
  return getSignedUrl(client(), new GetObjectCommand({ Bucket: BUCKET(), Key: key }), {
    expiresIn: VIEW_SECONDS,
  });
}

/**
 * An invite's photos that have really arrived, newest first, each with a short-lived URL. A
 * photo whose upload never came is left out (it is checked in the bucket once, then remembered).
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
  const present = await Promise.all(
    items.map(async (item) => {
      if (item.uploaded) return true;
      if (!(await exists(item.key))) return false;
      await ddb.send(
        new UpdateCommand({
          TableName: PHOTOS_TABLE(),
          Key: { inviteId: item.inviteId, takenAtPhotoId: item.takenAtPhotoId },
          UpdateExpression: 'SET uploaded = :yes',
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
      return true;
    }),
  );
  const arrived = items.filter((_, i) => present[i]);
  return Promise.all(
    arrived.map(async (item) => ({
      photoId: item.photoId,
      takenAt: item.takenAt,
      contentType: item.contentType,
      size: item.size,
      sha256: item.sha256,
      url: await photoUrl(item.key),
    })),
  );
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
