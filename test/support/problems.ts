import { problemSchema } from '../../lambda/contract/schemas';
import { explainInvalid } from '../../lambda/core/validation';
import type { HttpAnswer } from './cloud';

/** Asserts an answer is a problem+json of the given status and code, and returns its body. */
export function expectProblem(answer: HttpAnswer, status: number, code: string) {
  expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({
    status,
    type: 'application/problem+json',
  });
  const body = answer.json();
  expect(explainInvalid(problemSchema, body)).toBeNull();
  expect(body).toMatchObject({ status, code });
  return body as { type: string; title: string; status: number; detail?: string; code: string };
}
