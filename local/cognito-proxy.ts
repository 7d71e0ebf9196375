import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { PASSWORD_POLICY } from './cognito';

/**
 * Forwards the browser's Cognito calls to cognito-local, enforcing the two user-pool rules
 * cognito-local skips and our security model relies on: an app client may write only its
 * WriteAttributes (so nobody can give themselves `custom:orgId`), and passwords follow the policy.
 */
export function createCognitoProxy(target: string, writeAttributes: string[]) {
  const allowed = new Set(writeAttributes);
  return async function proxy(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await collect(req);
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const refusal = check(operation, body, allowed);
    if (refusal) {
      res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(refusal));
      return;
    }
    const upstream = request(
      `${target}${path}`,
      {
        method: req.method,
        headers: { ...req.headers, host: new URL(target).host, 'content-length': String(body.length) },
      },
      (answer) => {
        if (operation !== 'InitiateAuth' || answer.statusCode === 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        void collect(answer).then((raw) => {
          const refusal = signInRefusal(raw);
          const text = refusal ? JSON.stringify(refusal) : raw;
          res.writeHead(answer.statusCode ?? 400, {
            ...answer.headers,
            'content-length': String(Buffer.byteLength(text)),
          });
          res.end(text);
        });
      },
    );
    upstream.on('error', () => {
      res.writeHead(502, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({ __type: 'InternalErrorException', message: 'cognito-local is not answering' }),
      );
    });
    upstream.end(body);
  };
}

type Refusal = { __type: string; message: string };

function check(operation: string, raw: Buffer, allowed: Set<string>): Refusal | null {
  if (!['SignUp', 'UpdateUserAttributes', 'ChangePassword', 'ConfirmForgotPassword'].includes(operation)) {
    return null;
  }
  let input: { UserAttributes?: { Name?: string }[]; Password?: string; ProposedPassword?: string };
  try {
    input = JSON.parse(raw.toString('utf8')) as typeof input;
  } catch {
    return null; // cognito-local answers malformed bodies itself.
  }
  for (const attribute of input.UserAttributes ?? []) {
    if (attribute.Name && !allowed.has(attribute.Name)) {
      return {
        __type: 'NotAuthorizedException',
        message: `A client attempted to write unauthorized attribute`,
      };
    }
  }
  const password = input.Password ?? input.ProposedPassword;
  const problem = password === undefined ? null : passwordProblem(password);
  return problem
    ? { __type: 'InvalidPasswordException', message: `Password did not conform with policy: ${problem}` }
    : null;
}

/**
 * A failed sign-in answers as Cognito does with user-existence errors prevented: the same
 * NotAuthorizedException for a wrong password and an unknown user (cognito-local tells them apart).
 */
function signInRefusal(raw: Buffer): Refusal | null {
  let type: string;
  try {
    type = String((JSON.parse(raw.toString('utf8')) as { __type?: string }).__type ?? '');
  } catch {
    return null;
  }
  const name = type.split('#').pop() ?? '';
  return ['InvalidPasswordException', 'UserNotFoundException', 'NotAuthorizedException'].includes(name)
    ? { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }
    : null;
}

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_POLICY.MinimumLength) return 'Password not long enough';
  if (!/[A-Z]/.test(password)) return 'Password must have uppercase characters';
  if (!/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (!/[0-9]/.test(password)) return 'Password must have numeric characters';
  if (!/[^A-Za-z0-9]/.test(password)) return 'Password must have symbol characters';
  return null;
}

function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
