import { signLinkRequest } from '../../../lambda/contract/link-proof';
import { problemCodes, type ProblemCode } from '../../../lambda/contract/problems';
import { routes } from '../../../lambda/contract/routes';
import type {
  CitizenInvite,
  CitizenLocationRequest,
  CitizenPeersRequest,
  CitizenPeersResponse,
  CitizenPhotoRequest,
  CitizenPhotoResponse,
  Session,
} from '../../../lambda/contract/types';

/**
 * The caller page's API client: the link routes only, no sign-in code. Every body carries the
 * token and a fresh link proof signed with this browser's key (lambda/contract/link-proof.ts).
 */

type Without<T> = Omit<T, 'token' | 'proof'>;

interface CitizenOperations {
  getCitizenInvite: { body: Record<string, never>; result: CitizenInvite };
  createCitizenSession: { body: Record<string, never>; result: Session };
  createCitizenPhoto: { body: Without<CitizenPhotoRequest>; result: CitizenPhotoResponse };
  putCitizenLocation: { body: Without<CitizenLocationRequest>; result: undefined };
  putCitizenPeers: { body: Without<CitizenPeersRequest>; result: CitizenPeersResponse };
  endCitizenSession: { body: Record<string, never>; result: undefined };
}
export type CitizenOperation = keyof CitizenOperations;

export type CitizenErrorCode = ProblemCode | 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';

export class CitizenApiError extends Error {
  override readonly name = 'CitizenApiError';
  constructor(
    readonly status: number,
    readonly code: CitizenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Codes after which nothing on the page can work again: the page shows them and stops. */
export const FINAL_CODES: readonly CitizenErrorCode[] = [
  'LINK_IN_USE',
  'INVITE_REVOKED',
  'INVITE_EXPIRED',
  'INVITE_ENDED',
  'NOT_FOUND',
];

export function isFinal(err: unknown): err is CitizenApiError {
  return err instanceof CitizenApiError && FINAL_CODES.includes(err.code);
}

export interface CitizenApi {
  call<Op extends CitizenOperation>(
    op: Op,
    body: CitizenOperations[Op]['body'],
  ): Promise<CitizenOperations[Op]['result']>;
}

export function createCitizenApi(apiUrl: string, token: string, keys: CryptoKeyPair): CitizenApi {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    async call(op, body) {
      const route = routes[op];
      const signed = await signLinkRequest(keys, {
        method: route.method,
        path: route.path,
        body: { ...body, token },
      });
      let res: Response;
      try {
        res = await fetch(base + route.path, {
          method: route.method,
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json, application/problem+json',
          },
          body: JSON.stringify(signed),
          credentials: 'omit',
          cache: 'no-store',
          referrerPolicy: 'no-referrer',
        });
      } catch (err) {
        throw new CitizenApiError(0, 'NETWORK_ERROR', err instanceof Error ? err.message : 'No answer');
      }
      if (res.ok) {
        if (res.status === 204 || route.status === 204) return undefined as never;
        return (await res.json()) as never;
      }
      let code: CitizenErrorCode = 'UNEXPECTED_RESPONSE';
      let title = `The server answered ${res.status}`;
      try {
        const p = (await res.json()) as { code?: unknown; title?: unknown };
        if (typeof p.code === 'string' && Object.prototype.hasOwnProperty.call(problemCodes, p.code))
          code = p.code as ProblemCode;
        if (typeof p.title === 'string') title = p.title;
      } catch {
        // Not a problem body: keep the status.
      }
      throw new CitizenApiError(res.status, code, title);
    },
  };
}
