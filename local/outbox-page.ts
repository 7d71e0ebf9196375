import type { IncomingMessage, ServerResponse } from 'node:http';
import { securityHeaders } from '../web-client/security-headers';
import type { Outbox } from './outbox';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** /local/outbox: what would have been emailed or texted. /local/outbox.json for tools and tests. */
export function createOutboxPage(outbox: Outbox) {
  const headers = { ...securityHeaders({ connectSrc: [] }), 'Cache-Control': 'no-store' };
  return function serve(_req: IncomingMessage, res: ServerResponse, format: 'html' | 'json'): void {
    if (format === 'json') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messages: outbox.list() }));
      return;
    }
    const rows = outbox
      .list()
      .map(
        (m) =>
          `<tr><td>${escape(m.at)}</td><td>${m.channel}</td><td>${escape(m.to)}</td><td>${linkify(m.text)}</td></tr>`,
      )
      .join('');
    res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="5">
<title>Sightline local outbox</title></head><body>
<h1>Local outbox</h1><p>Email and SMS the local cloud would have sent. This page refreshes every 5 seconds.</p>
<table><thead><tr><th>When</th><th>How</th><th>To</th><th>Message</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4">Nothing sent yet.</td></tr>'}</tbody></table></body></html>`);
  };
}

function linkify(text: string): string {
  return escape(text).replace(/https:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
