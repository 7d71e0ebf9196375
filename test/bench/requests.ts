import type { Page, Request, WebSocket } from 'playwright-core';

/**
 * Counts the HTTP requests matching `urls` and the WebSocket handshakes a page makes until it
 * sends its SDP offer: the requests a viewer waits for, one after another, before it can connect.
 */
export function countRequestsBeforeOffer(page: Page, urls: RegExp): { stop: () => number } {
  let counting = true;
  let requests = 0;
  const onRequest = (r: Request) => {
    if (counting && urls.test(r.url())) requests += 1;
  };
  const onSocket = (ws: WebSocket) => {
    if (!counting) return;
    requests += 1;
    ws.on('framesent', (frame) => {
      if (String(frame.payload).includes('SDP_OFFER')) counting = false;
    });
  };
  page.on('request', onRequest);
  page.on('websocket', onSocket);
  return {
    stop: () => {
      page.off('request', onRequest);
      page.off('websocket', onSocket);
      return requests;
    },
  };
}
