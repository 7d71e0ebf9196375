import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { WebConfig } from '../lambda/contract/types';
import { securityHeaders } from '../web-client/security-headers';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** The caller's page: `/c/#<token>`, its own HTML and bundle (web-client/build.ts). */
const CALLER_PREFIX = '/c/';

/**
 * Serves the built web client as CloudFront does: its files, `/config.json`, the same security
 * headers, the caller's page for any path under `/c/`, and index.html for any other path so the
 * client-side router can take it. Only the caller's page may ask for the camera, microphone and
 * location; every other path denies them.
 */
export function createWebServer(root: string, config: WebConfig) {
  const appHeaders = securityHeaders({ connectSrc: [] });
  const callerHeaders = securityHeaders({ connectSrc: [], allow: ['camera', 'microphone', 'geolocation'] });
  const configBody = JSON.stringify(config);
  return function serve(req: IncomingMessage, res: ServerResponse, path: string): void {
    const pathname = path.split('?')[0] ?? '/';
    // Only under `/c/`, as CloudFront's behaviour pattern `/c/*`: `/c` alone is the main app's.
    const caller = pathname.startsWith(CALLER_PREFIX);
    const headers = caller ? callerHeaders : appHeaders;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (pathname === '/config.json') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.json'], 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : configBody);
      return;
    }
    let file = normalize(join(root, pathname));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      file = caller ? join(root, 'c', 'index.html') : join(root, 'index.html');
    }
    const ext = extname(file);
    // Bundles carry a content hash in their name, so they can be cached for good.
    const immutable = /[.-][A-Z0-9]{8}\.(js|css)$/i.test(file);
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[ext] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
}
