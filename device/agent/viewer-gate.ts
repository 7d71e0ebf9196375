import type { ChildProcess } from 'node:child_process';
import { FINGERPRINT_PATTERN, type FingerprintRefusal } from '../../lambda/contract/fingerprints';
import type { Log } from './log';
import type { AllowedViewers, ShadowReporter } from './shadow';

/**
 * DTLS fingerprint validation between the agent and an engine that gates its viewers (the
 * simulated one), over the engine's IPC channel. The agent owns the MQTT session and the shadow;
 * the engine owns the peer connections. Messages:
 *
 * - engine → agent `viewer-gate`: the engine started, with no viewer connected; the agent clears
 *   what a previous run reported and sends the allowed viewers it knows. An engine with one
 *   long-lived certificate (the C engine) gives its `fingerprint`, reported as
 *   `reported.fingerprint`.
 * - agent → engine `viewers`: the allowed viewers (`desired.viewers`), whenever they change.
 * - engine → agent `refresh` (id): read the shadow afresh; answered `refresh` with `viewers`.
 * - engine → agent `fingerprint` (id): report `reported.fingerprints[clientId]` (null: remove) and
 *   answer `fingerprint` once the shadow service accepted it, so the engine sends its answer only
 *   after the cloud can vouch for it.
 * - engine → agent `connected`: the client ids whose peer connection is up (`reported.viewers`).
 * - engine → agent `refusal`: publish it on the thing's refusal topic.
 */
export type GateRequest =
  | { type: 'viewer-gate'; fingerprint?: string }
  | { type: 'refresh'; id: number }
  | { type: 'fingerprint'; id: number; clientId: string; fingerprint: string | null }
  | { type: 'connected'; viewers: string[] }
  | { type: 'refusal'; refusal: FingerprintRefusal };

export type GateMessage =
  | { type: 'viewers'; viewers: AllowedViewers }
  | { type: 'refresh'; id: number; viewers?: AllowedViewers; error?: string }
  | { type: 'fingerprint'; id: number; error?: string };

const GATE_TYPES = new Set(['viewer-gate', 'refresh', 'fingerprint', 'connected', 'refusal']);

export function isGateRequest(message: unknown): message is GateRequest {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && GATE_TYPES.has(type);
}

/** Serves one engine request with the shadow; replies go back to the engine that asked. */
export function serveGateRequest(
  request: GateRequest,
  child: ChildProcess,
  shadow: ShadowReporter,
  log: Log,
): void {
  const reply = (message: GateMessage) => {
    if (child.connected) child.send(message);
  };
  switch (request.type) {
    case 'viewer-gate': {
      const fingerprint =
        typeof request.fingerprint === 'string' && FINGERPRINT_PATTERN.test(request.fingerprint)
          ? { fingerprint: request.fingerprint }
          : {};
      void shadow.report({ viewers: [], fingerprints: null, ...fingerprint });
      const viewers = shadow.viewers;
      if (viewers) reply({ type: 'viewers', viewers });
      return;
    }
    case 'refresh':
      shadow.refreshViewers().then(
        (viewers) => reply({ type: 'refresh', id: request.id, viewers }),
        (err: Error) => reply({ type: 'refresh', id: request.id, error: err.message }),
      );
      return;
    case 'fingerprint':
      shadow.reportConfirmed({ fingerprints: { [request.clientId]: request.fingerprint } }).then(
        () => reply({ type: 'fingerprint', id: request.id }),
        (err: Error) => {
          log('warn', 'could not report a connection fingerprint', { error: err.message });
          reply({ type: 'fingerprint', id: request.id, error: err.message });
        },
      );
      return;
    case 'connected':
      void shadow.report({ viewers: request.viewers.filter((v) => typeof v === 'string') });
      return;
    case 'refusal':
      log('warn', 'refused a viewer whose fingerprint the cloud did not vouch for', {
        clientId: request.refusal.clientId,
        reason: request.refusal.reason,
      });
      shadow
        .publishRefusal({
          clientId: request.refusal.clientId,
          ...(request.refusal.fingerprint ? { fingerprint: request.refusal.fingerprint } : {}),
          reason: request.refusal.reason,
        })
        .catch((err: Error) => log('warn', 'could not publish a refusal', { error: err.message }));
      return;
  }
}
