import { problem, type Problem, type ProblemCode } from '../contract/problems';

/**
 * An expected failure that a person can act on. The HTTP edge turns it into a 4xx problem;
 * anything else is a bug, logged and answered with a generic 500.
 */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(code: ProblemCode, detail?: string, headers: Record<string, string> = {}) {
    super(detail ?? code);
    this.name = 'ProblemError';
    this.problem = problem(code, detail);
    this.headers = headers;
  }
}

/** DynamoDB's "condition failed", whether from a single write or a transaction. */
export function isConditionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ConditionalCheckFailedException') return true;
  if (err.name !== 'TransactionCanceledException') return false;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed');
}
