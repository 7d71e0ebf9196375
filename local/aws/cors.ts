import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS as the AWS service endpoints that browsers call directly answer it (KVS's control plane,
 * a channel's HTTPS endpoint, STS): any origin, since the request's SigV4 signature, not the
 * origin, is what authorises it. A preflight is answered here, before signature checks (browsers
 * send it unsigned); an actual request gets the headers that let the page read the answer,
 * including AWS's error headers. The KVS JS SDK's test page, served from another origin, relies
 * on this. S3 answers CORS per bucket instead (./s3.ts).
 */
const EXPOSED = ['x-amzn-RequestId', 'x-amzn-ErrorType', 'x-amzn-ErrorMessage', 'x-amz-request-id', 'Date'];
/** How long a browser may cache a preflight answer (AWS's endpoints answer two days). */
const MAX_AGE_SECONDS = '172800';

/** Answers a preflight (true), or adds the CORS headers to the response about to be written. */
export function cors(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.headers.origin) return false;
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED.join(', '));
    return false;
  }
  const headers = req.headers['access-control-request-headers'];
  res.writeHead(200, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
    ...(headers ? { 'Access-Control-Allow-Headers': headers } : {}),
    'Access-Control-Max-Age': MAX_AGE_SECONDS,
    'Content-Length': '0',
  });
  res.end();
  return true;
}
