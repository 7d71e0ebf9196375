import { verifyLinkRequest } from '../contract/link-proof';
import { routes, type OperationId } from '../contract/routes';
import { ProblemError } from './errors';
import { hashInviteToken } from './invite-tokens';
import { bindOrCheckKey, findByTokenHash, inactiveProblem, isActive, type InviteItem } from './invites';

/**
 * The credential of a caller route: the token names the invite, and the link proof shows the
 * request comes from the browser the link is bound to (docs/design.md §4). The order of the checks
 * keeps answers uninformative: a bad proof is refused before the token is even looked up.
 */
export async function openLink(
  op: OperationId,
  body: { token: string; proof: unknown },
  now = new Date(),
): Promise<InviteItem> {
  const route = routes[op];
  const proof = await verifyLinkRequest(
    { method: route.method, path: route.path, body: body as unknown as Record<string, unknown> },
    now,
  );
  if (!proof.ok) {
    throw new ProblemError(
      'LINK_PROOF_INVALID',
      proof.reason === 'STALE'
        ? 'The request was signed too long ago; check the phone clock and try again.'
        : 'The request is not signed by this browser key.',
    );
  }
  const item = await findByTokenHash(hashInviteToken(body.token));
  if (!item) throw new ProblemError('NOT_FOUND', 'This link is not valid.');
  if (!isActive(item, now)) throw inactiveProblem(item, now);
  return bindOrCheckKey(item, proof.thumbprint, now);
}
