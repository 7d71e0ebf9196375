/**
 * The KVS signaling WebSocket's frames. Clients differ in spelling (the JS SDK sends camelCase
 * `recipientClientId`, the C SDK PascalCase `RecipientClientId`), so field names are matched
 * case-insensitively; the server always answers in the camelCase both SDKs match exactly.
 */

export const ACTIONS = ['SDP_OFFER', 'SDP_ANSWER', 'ICE_CANDIDATE'] as const;
export type Action = (typeof ACTIONS)[number];

export const CLIENT_ID = /^[a-zA-Z0-9_.-]{1,256}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface ClientFrame {
  action: Action;
  messagePayload: string;
  /** Empty strings count as absent: the C SDK viewer sends its candidates with an empty one. */
  recipientClientId?: string;
  correlationId?: string;
}

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  /** A frame that cannot be routed; `correlationId` says whether the sender can be told why. */
  | { ok: false; correlationId?: string; description: string };

/** Parses a text frame. Never throws: anything unparseable is reported, not raised. */
export function parseClientFrame(text: string, maxPayloadChars: number): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, description: 'The message is not valid JSON.' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, description: 'The message is not a JSON object.' };
  }
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(raw)) fields.set(key.toLowerCase(), value);
  const str = (name: string) => {
    const value = fields.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };

  const correlation = str('correlationid');
  const correlationId = correlation !== undefined && CLIENT_ID.test(correlation) ? correlation : undefined;
  const refuse = (description: string): ParsedFrame => ({ ok: false, correlationId, description });

  const action = str('action');
  if (!ACTIONS.includes(action as Action))
    return refuse(`Unsupported action: ${String(action).slice(0, 64)}`);
  const payload = str('messagepayload');
  if (payload === undefined) return refuse('MessagePayload is required.');
  if (payload.length > maxPayloadChars)
    return refuse(`MessagePayload exceeds ${maxPayloadChars} characters.`);
  if (!BASE64.test(payload)) return refuse('MessagePayload must be base64.');
  const recipient = str('recipientclientid');
  if (recipient !== undefined && !CLIENT_ID.test(recipient)) return refuse('Invalid RecipientClientId.');
  return {
    ok: true,
    frame: { action: action as Action, messagePayload: payload, recipientClientId: recipient, correlationId },
  };
}

export function relayFrame(messageType: Action, messagePayload: string, senderClientId: string): string {
  return JSON.stringify({ messagePayload, messageType, senderClientId });
}

/** STATUS_RESPONSE as AWS sends it: statusCode a string, success false, no messagePayload. */
export function statusFrame(
  correlationId: string,
  errorType: string,
  statusCode: number,
  description: string,
): string {
  return JSON.stringify({
    senderClientId: '',
    messageType: 'STATUS_RESPONSE',
    statusResponse: { correlationId, errorType, statusCode: String(statusCode), description, success: false },
  });
}

export function controlFrame(messageType: 'GO_AWAY' | 'RECONNECT_ICE_SERVER'): string {
  return JSON.stringify({ senderClientId: '', messageType });
}
