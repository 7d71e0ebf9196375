import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { logger } from './logger';

/**
 * A custom resource's answer to CloudFormation, which waits for it (up to an hour) at the
 * presigned `ResponseURL`. The function answers on its own, with no provider framework, so the
 * stack carries no extra functions and roles. It always answers, also when the work fails, so
 * a deployment never hangs; the reason names the error, never data.
 */
export interface CustomResourceOutcome {
  physicalResourceId: string;
  /** `Fn::GetAtt` attributes; nothing secret (CloudFormation shows and stores them). */
  data?: Record<string, string>;
}

export type CustomResourceWork = (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceOutcome>;

export function customResourceHandler(name: string, work: CustomResourceWork) {
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const previous = 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined;
    let body: Record<string, unknown>;
    try {
      const outcome = await work(event);
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
    }
    await respond(event.ResponseURL, {
      ...body,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    });
  };
}

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
