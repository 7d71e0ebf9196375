import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { securityHeaders } from '../web-client/security-headers';
import type { Outbox } from './outbox';

/** The outbox page's own additions to the web client's stylesheet. */
const OUTBOX_CSS = `
.outbox-list { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 0.75rem; }
.outbox-message { padding: 1rem; }
.outbox-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; color: var(--muted); font-size: 0.9rem; }
.outbox-to { color: var(--text); font-weight: 600; overflow-wrap: anywhere; }
.outbox-text { margin-top: 0.5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local outbox · Sightline</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/local/outbox/style.css">
<script type="module" src="/local/outbox/page.js"></script>
</head>
<body>
<a class="visually-hidden" href="#messages">Skip to the messages</a>
<header class="top-bar"><a class="brand" href="/">Sightline</a></header>
<main class="page stack">
<h1>Local outbox</h1>
<p>Email and SMS the local cloud would have sent: sign-up codes, invite links. New ones appear here by themselves.</p>
<p id="status" role="status" aria-live="polite">Loading…</p>
<ol id="messages" class="outbox-list" aria-label="Messages, newest first" tabindex="-1" hidden></ol>
</main>
</body>
</html>`;

/**
 * /local/outbox: what would have been emailed or texted, as a page that looks like the app (its
 * stylesheet), fits a phone and updates itself (a script of its own, as the CSP allows no inline
 * one); /local/outbox.json for tools and tests.
 */
export function createOutboxPage(outbox: Outbox) {
  const headers = { ...securityHeaders({ connectSrc: [] }), 'Cache-Control': 'no-store' };
  let assets: { css: string; js: string } | undefined;
  // Made on first use: the local cloud starts without them.
  const build = () =>
    (assets ??= {
      css: readFileSync(join(__dirname, '..', 'web-client', 'src', 'styles.css'), 'utf8') + OUTBOX_CSS,
      js: buildSync({
        entryPoints: [join(__dirname, 'outbox-client.ts')],
        bundle: true,
        format: 'esm',
        target: 'es2020',
        minify: true,
        write: false,
        logLevel: 'warning',
      }).outputFiles[0]!.text,
    });
  return function serve(req: IncomingMessage, res: ServerResponse, format: 'html' | 'json'): void {
    const path = (req.url ?? '').split('?')[0];
    if (format === 'json') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messages: outbox.list() }));
    } else if (path === '/local/outbox/style.css') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/css; charset=utf-8' });
      res.end(build().css);
    } else if (path === '/local/outbox/page.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(build().js);
    } else if (path === '/local/outbox' || path === '/local/outbox/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found');
    }
  };
}
