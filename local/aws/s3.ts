import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LOCAL_REGION } from '../constants';
import { readBody, sigv4Request } from './http';
import type { IdentityStore, Principal, StoredCredential } from './identity';
import { parseAmzDate, verifyHeaderSignature, verifyPresignedUrl, type SigV4FailureKind } from './sigv4';

/**
 * S3, as much as photos need, path-style under the mount (`<mount>/<bucket>/<key>`):
 *
 * - `POST <mount>/<bucket>`: browser uploads by presigned POST (multipart form). The policy's
 *   SigV4 signature is verified, then EVERY condition, as S3 does: expiration, bucket, key,
 *   Content-Type, content-length-range against the file actually sent, x-amz-* and metadata
 *   fields; and every form field must be covered by a condition. Then, as S3 does, the
 *   additional checksum the form names (`x-amz-checksum-algorithm`, `x-amz-checksum-sha256`) is
 *   computed over the bytes received and a mismatch is refused (`BadDigest`); the object keeps it,
 *   and GET/HEAD return it when asked (`x-amz-checksum-mode: ENABLED`).
 * - `GET`/`HEAD <mount>/<bucket>/<key>`: SigV4 by header (the SDK) or presigned query (the
 *   dispatcher's photo URLs, with `UNSIGNED-PAYLOAD`), and X-Amz-Expires.
 * - CORS for the buckets' allowed origins (preflight and simple responses).
 *
 * Each request is authorised as `s3:PutObject` or `s3:GetObject` on `arn:aws:s3:::<bucket>/<key>`.
 */

/** The largest upload accepted at all (S3's own limit for POST is 5 GB; ours is far lower). */
const MAX_POST_BYTES = 12 * 1024 * 1024;
/** S3 refuses form fields (everything but the file) over 20 KB. */
const MAX_FORM_FIELDS_BYTES = 20 * 1024;

export interface BucketDefinition {
  name: string;
  /** Origins allowed by the bucket's CORS rules (POST, GET, HEAD). */
  corsOrigins: string[];
}

export interface S3Options {
  identities: IdentityStore;
  now: () => number;
  /** Where objects are kept; omit to keep them in memory. */
  dir?: string;
}

interface StoredObject {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
  lastModified: number;
  /** The additional checksum S3 verified at upload, if the upload named one. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** The additional checksums S3 computes itself (the CRC family is not needed here). */
const CHECKSUMS = { SHA256: 'sha256', SHA1: 'sha1' } as const;
type ChecksumAlgorithm = keyof typeof CHECKSUMS;
/** Every `x-amz-checksum-*` value field S3 knows, to refuse more than one as S3 does. */
const CHECKSUM_FIELDS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SIGV4_ERRORS: Record<SigV4FailureKind, [number, string]> = {
  missing: [403, 'AccessDenied'],
  incomplete: [400, 'AuthorizationQueryParametersError'],
  'unknown-key': [403, 'InvalidAccessKeyId'],
  'expired-token': [400, 'ExpiredToken'],
  scope: [400, 'AuthorizationHeaderMalformed'],
  expired: [403, 'AccessDenied'],
  signature: [403, 'SignatureDoesNotMatch'],
};

export function createS3(options: S3Options) {
  const { identities, now } = options;
  const buckets = new Map<string, BucketDefinition>();
  const memory = new Map<string, StoredObject>();

  const objectPath = (bucket: string, key: string) =>
    join(options.dir!, bucket, Buffer.from(key, 'utf8').toString('base64url'));

  const store = {
    put(bucket: string, key: string, object: StoredObject): void {
      if (!options.dir) {
        memory.set(`${bucket}/${key}`, object);
        return;
      }
      mkdirSync(join(options.dir, bucket), { recursive: true });
      const { body, ...meta } = object;
      writeFileSync(`${objectPath(bucket, key)}.bin`, body);
      writeFileSync(`${objectPath(bucket, key)}.json`, JSON.stringify(meta));
    },
    get(bucket: string, key: string): StoredObject | undefined {
      if (!options.dir) return memory.get(`${bucket}/${key}`);
      const path = objectPath(bucket, key);
      if (!existsSync(`${path}.json`)) return undefined;
      const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Omit<StoredObject, 'body'>;
      return { ...meta, body: readFileSync(`${path}.bin`) };
    },
  };

  const authorize = (principal: Principal, action: string, bucket: string, key: string) => {
    const decision = identities.authorize(principal, action, `arn:aws:s3:::${bucket}/${key}`);
    if (!decision.allowed) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  };

  const corsHeaders = (
    req: IncomingMessage,
    bucket: BucketDefinition | undefined,
  ): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !bucket?.corsOrigins.includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': 'GET, HEAD, POST',
      'Access-Control-Expose-Headers': 'ETag',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const requestId = randomUUID();
    const [pathPart = ''] = rest.split('?');
    const slash = pathPart.indexOf('/', 1);
    const bucketName = decodeURIComponent(slash < 0 ? pathPart.slice(1) : pathPart.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(pathPart.slice(slash + 1));
    const bucket = buckets.get(bucketName);
    const cors = corsHeaders(req, bucket);
    try {
      if (req.method === 'OPTIONS') {
        if (!cors['Access-Control-Allow-Origin']) {
          throw new S3Error(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed.');
        }
        const wanted = req.headers['access-control-request-headers'];
        res.writeHead(200, { ...cors, ...(wanted ? { 'Access-Control-Allow-Headers': wanted } : {}) });
        res.end();
        return;
      }
      if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (req.method === 'POST' && key === '') {
        const etag = await postObject(req, bucket.name);
        res.writeHead(204, { ...cors, ETag: etag, 'x-amz-request-id': requestId });
        res.end();
        return;
      }
      if ((req.method === 'GET' || req.method === 'HEAD') && key !== '') {
        const principal = verifyRead(req);
        authorize(principal, 's3:GetObject', bucket.name, key);
        const object = store.get(bucket.name, key);
        if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
        const headers: Record<string, string> = {
          ...cors,
          'Content-Type': object.contentType,
          'Content-Length': String(object.body.length),
          ETag: object.etag,
          'Last-Modified': new Date(object.lastModified).toUTCString(),
          'x-amz-request-id': requestId,
        };
        for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
        if (object.checksum && String(req.headers['x-amz-checksum-mode']).toUpperCase() === 'ENABLED') {
          headers[`x-amz-checksum-${object.checksum.algorithm.toLowerCase()}`] = object.checksum.value;
          headers['x-amz-checksum-type'] = 'FULL_OBJECT';
        }
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : object.body);
        return;
      }
      throw new S3Error(
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${xml(err.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
      res.writeHead(err.status, {
        ...cors,
        'Content-Type': 'application/xml',
        'Content-Length': String(Buffer.byteLength(body)),
        'x-amz-request-id': requestId,
      });
      res.end(body);
    }
  }

  function verifyRead(req: IncomingMessage): Principal {
    const url = req.url ?? '/';
    const signed = url.includes('X-Amz-Signature=')
      ? verifyPresignedUrl(sigv4Request(req), identities, {
          service: 's3',
          region: LOCAL_REGION,
          now: now(),
          presignedPayloadHash: 'UNSIGNED-PAYLOAD',
        })
      : verifyHeaderSignature(sigv4Request(req), Buffer.alloc(0), identities, {
          service: 's3',
          region: LOCAL_REGION,
          now: now(),
        });
    if (!signed.ok) {
      const [status, code] = SIGV4_ERRORS[signed.kind];
      // S3 says "Request has expired" for a presigned URL past X-Amz-Expires.
      throw new S3Error(status, code, signed.kind === 'expired' ? 'Request has expired' : signed.message);
    }
    return signed.credential.principal;
  }

  async function postObject(req: IncomingMessage, bucket: string): Promise<string> {
    const contentType = req.headers['content-type'] ?? '';
    const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
    if (!boundary) {
      throw new S3Error(
        412,
        'PreconditionFailed',
        'Bucket POST must be of the enclosure-type multipart/form-data',
      );
    }
    const raw = await readBody(req, MAX_POST_BYTES);
    if (raw === 'too-large') {
      throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    }
    const form = parseMultipart(raw, boundary[1] ?? boundary[2]!);
    if (!form.file)
      throw new S3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    const fieldBytes = [...form.fields].reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (fieldBytes > MAX_FORM_FIELDS_BYTES) {
      throw new S3Error(
        400,
        'MaxPostPreDataLengthExceeded',
        'Your POST request fields preceeding the upload file was too large.',
      );
    }
    // Form field names are case-insensitive, as in S3; values are kept as sent.
    const fields = new Map<string, string>();
    for (const [name, value] of form.fields) fields.set(name.toLowerCase(), value);

    const policyB64 = fields.get('policy');
    if (!policyB64) throw new S3Error(403, 'AccessDenied', 'Bucket POST must contain a field named policy.');
    const credential = checkPolicySignature(fields, policyB64);
    const key = fields.get('key');
    if (!key) throw new S3Error(400, 'InvalidArgument', "Bucket POST must contain a field named 'key'.");
    authorize(credential.principal, 's3:PutObject', bucket, key);
    checkPolicy(policyB64, bucket, fields, form.file.length, now());

    const body = form.file;
    const checksum = verifyChecksum(fields, body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const metadata: Record<string, string> = {};
    for (const [name, value] of fields) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    store.put(bucket, key, {
      body,
      contentType: fields.get('content-type') ?? 'binary/octet-stream',
      metadata,
      etag,
      lastModified: now(),
      ...(checksum ? { checksum } : {}),
    });
    return etag;
  }

  function checkPolicySignature(fields: Map<string, string>, policyB64: string): StoredCredential {
    const algorithm = fields.get('x-amz-algorithm');
    const credentialField = fields.get('x-amz-credential');
    const amzDate = fields.get('x-amz-date');
    const signature = fields.get('x-amz-signature');
    if (algorithm !== 'AWS4-HMAC-SHA256' || !credentialField || !amzDate || !signature) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Bucket POST must contain the SigV4 fields x-amz-algorithm, x-amz-credential, x-amz-date and x-amz-signature.',
      );
    }
    const parts = credentialField.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts[3] !== 's3' || parts[2] !== LOCAL_REGION) {
      throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
    }
    if (parts[1] !== amzDate.slice(0, 8) || parseAmzDate(amzDate) === undefined) {
      throw new S3Error(
        400,
        'AuthorizationHeaderMalformed',
        'The credential date does not match x-amz-date.',
      );
    }
    const credential = identities.credential(parts[0]!);
    const token = fields.get('x-amz-security-token');
    if (!credential || (credential.sessionToken ?? undefined) !== (token || undefined)) {
      throw new S3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    }
    if (credential.expiresAt !== undefined && now() >= credential.expiresAt) {
      throw new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
    }
    let signingKey: Buffer = hmac(`AWS4${credential.secretAccessKey}`, parts[1]!);
    for (const part of [parts[2]!, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
    const expected = Buffer.from(hmac(signingKey, policyB64).toString('hex'));
    const actual = Buffer.from(signature.toLowerCase());
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new S3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    }
    return credential;
  }

  return {
    handle,
    createBucket(bucket: BucketDefinition): void {
      buckets.set(bucket.name, { ...bucket, corsOrigins: [...bucket.corsOrigins] });
    },
    /** An object's bytes and metadata, for in-process checks. */
    object: (bucket: string, key: string) => store.get(bucket, key),
  };
}

/**
 * The additional checksum of a POST upload, checked as S3 checks it: at most one
 * `x-amz-checksum-<algorithm>` value, agreeing with `x-amz-checksum-algorithm` when both are
 * given, well formed, and equal to the digest of the bytes received; else the upload is refused.
 */
export function verifyChecksum(
  fields: Map<string, string>,
  body: Buffer,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  const named = fields.get('x-amz-checksum-algorithm')?.toUpperCase();
  const given = CHECKSUM_FIELDS.filter((a) => fields.has(`x-amz-checksum-${a}`));
  if (given.length > 1) {
    throw new S3Error(
      400,
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const field = given[0];
  if (field === undefined) {
    if (named === undefined) return undefined;
    throw new S3Error(
      400,
      'InvalidRequest',
      'x-amz-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
  }
  const algorithm = field.toUpperCase();
  if (named !== undefined && named !== algorithm) {
    throw new S3Error(400, 'InvalidRequest', `Value for x-amz-checksum-algorithm is invalid.`);
  }
  if (!(algorithm in CHECKSUMS)) {
    throw new S3Error(501, 'NotImplemented', `The local S3 does not compute ${algorithm} checksums.`);
  }
  const hash = CHECKSUMS[algorithm as ChecksumAlgorithm];
  const value = fields.get(`x-amz-checksum-${field}`)!;
  const declared = Buffer.from(value, 'base64');
  if (declared.toString('base64') !== value || declared.length !== createHash(hash).digest().length) {
    throw new S3Error(400, 'InvalidRequest', `Value for x-amz-checksum-${field} header is invalid.`);
  }
  if (!createHash(hash).update(body).digest().equals(declared)) {
    throw new S3Error(
      400,
      'BadDigest',
      `The ${algorithm} you specified did not match the calculated checksum.`,
    );
  }
  return { algorithm: algorithm as ChecksumAlgorithm, value };
}

/**
 * The POST policy: not expired, and every condition met by the form; every form field (other
 * than the policy, the signature, the file and x-ignore-*) named by some condition.
 */
export function checkPolicy(
  policyB64: string,
  bucket: string,
  fields: Map<string, string>,
  fileSize: number,
  nowMs: number,
): void {
  // The bucket is the one posted to, whatever a form field claims.
  const valueOf = (name: string) => (name === 'bucket' ? bucket : (fields.get(name) ?? ''));
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  if (typeof policy.expiration !== 'string' || !Number.isFinite(Date.parse(policy.expiration))) {
    throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.');
  }
  if (!Array.isArray(policy.conditions)) {
    throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing conditions.');
  }
  if (nowMs > Date.parse(policy.expiration)) {
    throw new S3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  }
  const covered = new Set<string>();
  const failed = (condition: unknown) =>
    new S3Error(
      403,
      'AccessDenied',
      `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`,
    );
  for (const condition of policy.conditions as unknown[]) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition as [unknown, unknown, unknown];
      if (op === 'content-length-range') {
        const min = Number(a);
        const max = Number(b);
        if (!Number.isInteger(min) || !Number.isInteger(max)) {
          throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid content-length-range.');
        }
        if (fileSize > max)
          throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        if (fileSize < min)
          throw new S3Error(
            400,
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed size',
          );
        continue;
      }
      if (
        (op !== 'eq' && op !== 'starts-with') ||
        typeof a !== 'string' ||
        !a.startsWith('$') ||
        typeof b !== 'string'
      ) {
        throw new S3Error(
          400,
          'InvalidPolicyDocument',
          `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}`,
        );
      }
      const name = a.slice(1).toLowerCase();
      covered.add(name);
      const value = valueOf(name);
      if (op === 'eq' ? value !== b : !value.startsWith(b)) throw failed(condition);
      continue;
    }
    if (condition && typeof condition === 'object') {
      const entries = Object.entries(condition as Record<string, unknown>);
      if (entries.length !== 1 || typeof entries[0]![1] !== 'string') {
        throw new S3Error(
          400,
          'InvalidPolicyDocument',
          `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}`,
        );
      }
      const [field, expected] = entries[0] as [string, string];
      const name = field.toLowerCase();
      covered.add(name);
      if (valueOf(name) !== expected) throw failed(condition);
      continue;
    }
    throw new S3Error(
      400,
      'InvalidPolicyDocument',
      `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}`,
    );
  }
  for (const name of fields.keys()) {
    if (['policy', 'x-amz-signature', 'file'].includes(name) || name.startsWith('x-ignore-')) continue;
    if (!covered.has(name)) {
      throw new S3Error(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${name}`);
    }
  }
}

/** A multipart/form-data body: the text fields, and the part named `file` (which must come last). */
export function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: [string, string][]; file?: Buffer } {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: [string, string][] = [];
  let file: Buffer | undefined;
  let start = body.indexOf(delimiter);
  if (start < 0)
    throw new S3Error(
      400,
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(delimiter, start);
    if (headerEnd < 0 || next < 0 || headerEnd > next) {
      throw new S3Error(
        400,
        'MalformedPOSTRequest',
        'The body of your POST request is not well-formed multipart/form-data.',
      );
    }
    const headers = body.subarray(start, headerEnd).toString('utf8');
    // The part's content ends with CRLF before the next delimiter.
    const content = body.subarray(headerEnd + 4, next - 2);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) {
      throw new S3Error(
        400,
        'MalformedPOSTRequest',
        'The body of your POST request is not well-formed multipart/form-data.',
      );
    }
    if (name.toLowerCase() === 'file') {
      // S3 ignores fields after the file.
      file = Buffer.from(content);
      break;
    }
    fields.push([name, content.toString('utf8')]);
    start = next;
  }
  return { fields, ...(file ? { file } : {}) };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function xml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}
