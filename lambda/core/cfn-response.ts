import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { logger } from './logger';

/**
 * A custom resource's answer to CloudFormation, which waits for it (up to an hour) at the
 * presigned `ResponseURL`, or for the resource's `ServiceTimeout`. The function answers on its own,
 * with no provider framework, so the stack carries no extra functions and roles. It always
 * answers, also when the work fails or runs out of time, so a deployment never hangs; the reason
 * names the error, never data. Only a crash at load leaves it silent, which the resource's
 * `ServiceTimeout` bounds.
 */
export interface CustomResourceOutcome {
  physicalResourceId: string;
  /** `Fn::GetAtt` attributes; nothing secret (CloudFormation shows and stores them). */
  data?: Record<string, string>;
}

export type CustomResourceWork = (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceOutcome>;

/** The part of Lambda's context the handler uses: how long it has left. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Kept back from the function's timeout to answer: work still running then is answered as
 * failed, rather than cut off by Lambda with no answer (CloudFormation would wait for its
 * `ServiceTimeout`).
 */
export const ANSWER_MARGIN_MS = 15_000;

export function customResourceHandler(name: string, work: CustomResourceWork) {
  return async (event: CloudFormationCustomResourceEvent, context?: RemainingTime): Promise<void> => {
    const previous = 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
    let body: Record<string, unknown>;
    let timer: NodeJS.Timeout | undefined;
    try {
      const remaining = context ? context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS : Infinity;
      const deadline = new Promise<never>((_, reject) => {
        if (Number.isFinite(remaining)) {
          timer = setTimeout(
            () => reject(new Error(`not finished within the function's time; retry the operation`)),
            Math.max(0, remaining),
          );
        }
      });
      const outcome = await Promise.race([work(event), deadline]);
      body = { Status: 'SUCCESS', PhysicalResourceId: outcome.physicalResourceId, Data: outcome.data ?? {} };
      logger.info(`${name} ${event.RequestType} succeeded`, {
        physicalResourceId: outcome.physicalResourceId,
      });
    } catch (err) {
      logger.error(`${name} ${event.RequestType} failed`, { error: err as Error });
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
      body = {
        Status: 'FAILED',
        Reason: reason.slice(0, 500),
        // A failed Create must still name a resource; CloudFormation then sends it a Delete.
        PhysicalResourceId: previous ?? `${event.LogicalResourceId}-failed`,
      };
    } finally {
      clearTimeout(timer);
    }
    const answer = {
      ...body,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
    // The answer itself may meet a network hiccup: a few tries, then the error (Lambda logs it).
    for (let attempt = 1; ; attempt++) {
      try {
        await respond(event.ResponseURL, answer);
        return;
      } catch (err) {
        if (attempt >= RESPOND_ATTEMPTS) throw err;
        logger.warn(`${name}: answering CloudFormation failed, retrying`, { error: err as Error });
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  };
}

const RESPOND_ATTEMPTS = 3;

function respond(url: string, body: Record<string, unknown>): Promise<void> {
  const payload = JSON.stringify(body);
  // CloudFormation's URLs are HTTPS; plain HTTP serves tests that stand in for it.
  const request = url.startsWith('http:') ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { 'Content-Type': '', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode && res.statusCode < 300
            ? resolve()
            : reject(new Error(`CloudFormation answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The partition, region and account of the stack a custom resource belongs to. */
export function stackScope(event: CloudFormationCustomResourceEvent): {
  partition: string;
  region: string;
  account: string;
} {
  const [, partition, , region, account] = event.StackId.split(':');
  if (!partition || !region || !account) throw new Error('Unexpected StackId');
  return { partition, region, account };
}
