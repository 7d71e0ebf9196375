import { randomBytes } from 'node:crypto';
import type { PreProvisioningHookEvent, PreProvisioningHookResult } from '../../lambda/contract/iot-events';
import { createKeysAndCertificate, InvalidCsrError, signCsr, type IotCa } from './ca';
import { templateArn } from './policies';
import type { IotRegistry } from './registry';
import { evaluateTemplate, TemplateError, type ProvisioningTemplate } from './template';

/**
 * Fleet provisioning's MQTT API (JSON): CreateKeysAndCertificate, CreateCertificateFromCsr and
 * RegisterThing, with AWS's payloads and error shape. The broker routes requests here and sends
 * the one reply to the requesting connection only.
 */

export const CREATE_TOPIC = '$aws/certificates/create/json';
export const CREATE_FROM_CSR_TOPIC = '$aws/certificates/create-from-csr/json';
const PROVISION_TOPIC = /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/;

/** The hook "must finish running and return within 5 seconds, otherwise the provisioning request fails". */
const HOOK_TIMEOUT_MS = 5000;
/** A certificate ownership token "expires after one hour". */
const TOKEN_TTL_MS = 3600_000;

export type Hook = (event: PreProvisioningHookEvent) => Promise<PreProvisioningHookResult>;

export interface ProvisioningRequest {
  topic: string;
  payload: Buffer;
  /** The claim connection: its MQTT client id and the certificate it authenticated with. */
  clientId: string;
  claimCertificateId: string;
}

export interface ProvisioningReply {
  topic: string;
  payload: Record<string, unknown>;
}

export interface ProvisioningOptions {
  registry: IotRegistry;
  ca: IotCa;
  templates: Map<string, { template: ProvisioningTemplate; hook?: Hook }>;
  now: () => number;
  log: (line: string) => void;
}

interface Token {
  certificateId: string;
  certificatePem: string;
  expiresAt: number;
  claimCertificateId: string;
}

class Rejection extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether a topic is a provisioning request (never delivered to subscribers). */
export function isProvisioningRequest(topic: string): boolean {
  return topic === CREATE_TOPIC || topic === CREATE_FROM_CSR_TOPIC || PROVISION_TOPIC.test(topic);
}

export function createProvisioning(options: ProvisioningOptions) {
  const { registry, ca, now } = options;
  const tokens = new Map<string, Token>();

  const newToken = (certificateId: string, certificatePem: string, claimCertificateId: string): string => {
    for (const [key, token] of tokens) {
      if (token.expiresAt < now()) {
        tokens.delete(key);
        registry.deleteUnused(token.certificateId);
      }
    }
    const token = randomBytes(48).toString('base64url');
    tokens.set(token, {
      certificateId,
      certificatePem,
      expiresAt: now() + TOKEN_TTL_MS,
      claimCertificateId,
    });
    return token;
  };

  async function registerThing(
    templateName: string,
    body: Record<string, unknown>,
    request: ProvisioningRequest,
  ) {
    const entry = options.templates.get(templateName);
    if (!entry) throw new Rejection(404, 'ResourceNotFound', `Template ${templateName} does not exist`);
    const tokenText = body.certificateOwnershipToken;
    if (typeof tokenText !== 'string' || tokenText === '') {
      throw new Rejection(400, 'InvalidCertificateOwnershipToken', 'certificateOwnershipToken is required');
    }
    const token = tokens.get(tokenText);
    // A token lives one hour and is bound to the claim certificate it was issued to. Whether AWS
    // also binds it to the connection is not documented; a device that restarts between the two
    // steps presents it again on a new connection, which this accepts.
    if (!token || token.expiresAt < now() || token.claimCertificateId !== request.claimCertificateId) {
      throw new Rejection(400, 'InvalidCertificateOwnershipToken', 'Invalid certificate ownership token');
    }
    const parameters = body.parameters ?? {};
    if (
      typeof parameters !== 'object' ||
      parameters === null ||
      Array.isArray(parameters) ||
      !Object.values(parameters).every((v) => typeof v === 'string')
    ) {
      throw new Rejection(400, 'InvalidParameters', 'parameters must map strings to strings');
    }
    let merged = { ...(parameters as Record<string, string>) };
    if (entry.hook) {
      const verdict = await callHook(entry.hook, {
        claimCertificateId: request.claimCertificateId,
        certificateId: token.certificateId,
        certificatePem: token.certificatePem,
        templateArn: templateArn(templateName),
        clientId: request.clientId,
        parameters: { ...(parameters as Record<string, string>) },
      });
      merged = { ...merged, ...verdict };
    }
    let plan;
    try {
      plan = evaluateTemplate(entry.template, merged, token.certificateId);
    } catch (err) {
      if (err instanceof TemplateError) throw new Rejection(400, 'InvalidParameters', err.message);
      throw err;
    }
    if (!registry.policy(plan.policyName)) {
      throw new Rejection(400, 'InvalidParameters', `Policy ${plan.policyName} does not exist`);
    }
    // Create or update the thing (never a second one of a name), then attach and activate.
    try {
      registry.putThing(
        plan.thing.thingName,
        {
          thingTypeName: plan.thing.thingTypeName,
          thingGroups: plan.thing.thingGroups,
          attributes: plan.thing.attributes,
        },
        now(),
      );
    } catch (err) {
      // A thing type or group the stack did not create fails provisioning, as on AWS.
      throw new Rejection(400, 'InvalidParameters', (err as Error).message);
    }
    registry.attachThingPrincipal(plan.thing.thingName, token.certificateId);
    registry.attachPolicy(token.certificateId, plan.policyName);
    registry.setStatus(token.certificateId, plan.certificate.status);
    options.log(
      `iot: provisioned ${plan.thing.thingName} with certificate ${token.certificateId.slice(0, 12)}…`,
    );
    return { deviceConfiguration: plan.deviceConfiguration, thingName: plan.thing.thingName };
  }

  /** Calls the hook with AWS's limits: 5 s, and anything but `allowProvisioning: true` denies. */
  async function callHook(hook: Hook, event: PreProvisioningHookEvent): Promise<Record<string, string>> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        hook(event),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), HOOK_TIMEOUT_MS);
        }),
      ]);
      if (result?.allowProvisioning !== true) {
        if ((result?.allowProvisioning as unknown) === 'true') {
          options.log(
            'iot: the pre-provisioning hook answered the string "true", which AWS treats as a denial',
          );
        }
        throw new Rejection(403, 'AccessDenied', 'Pre-provisioning hook denied the request');
      }
      const overrides = result.parameterOverrides ?? {};
      return Object.fromEntries(Object.entries(overrides).filter(([, v]) => typeof v === 'string'));
    } catch (err) {
      if (err instanceof Rejection) throw err;
      options.log(`iot: the pre-provisioning hook failed: ${(err as Error).message}`);
      throw new Rejection(403, 'AccessDenied', 'Pre-provisioning hook denied the request');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Answers one request; the reply topic is the request's `accepted` or `rejected`. */
  return async function handle(request: ProvisioningRequest): Promise<ProvisioningReply> {
    try {
      let body: Record<string, unknown> = {};
      const text = request.payload.toString('utf8').trim();
      if (text !== '') {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
          body = parsed as Record<string, unknown>;
        } catch {
          throw new Rejection(400, 'InvalidPayload', 'The payload is not a valid JSON object');
        }
      }
      let accepted: Record<string, unknown>;
      if (request.topic === CREATE_TOPIC) {
        const issued = await createKeysAndCertificate(ca);
        registry.addCertificate(issued.certificateId, issued.certificatePem, 'PENDING_ACTIVATION', now());
        accepted = {
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          privateKey: issued.privateKey,
          certificateOwnershipToken: newToken(
            issued.certificateId,
            issued.certificatePem,
            request.claimCertificateId,
          ),
        };
      } else if (request.topic === CREATE_FROM_CSR_TOPIC) {
        const csr = body.certificateSigningRequest;
        if (typeof csr !== 'string') {
          throw new Rejection(400, 'InvalidParameters', 'certificateSigningRequest is required');
        }
        let issued;
        try {
          issued = await signCsr(ca, csr);
        } catch (err) {
          if (err instanceof InvalidCsrError) throw new Rejection(400, 'InvalidCsr', err.message);
          throw err;
        }
        registry.addCertificate(issued.certificateId, issued.certificatePem, 'PENDING_ACTIVATION', now());
        accepted = {
          certificateOwnershipToken: newToken(
            issued.certificateId,
            issued.certificatePem,
            request.claimCertificateId,
          ),
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
        };
      } else {
        const templateName = PROVISION_TOPIC.exec(request.topic)?.[1] ?? '';
        accepted = await registerThing(templateName, body, request);
      }
      return { topic: `${request.topic}/accepted`, payload: accepted };
    } catch (err) {
      const rejection =
        err instanceof Rejection ? err : new Rejection(500, 'InternalFailure', 'An internal error occurred');
      if (!(err instanceof Rejection))
        options.log(`iot: provisioning failed: ${(err as Error).stack ?? String(err)}`);
      return {
        topic: `${request.topic}/rejected`,
        payload: {
          statusCode: rejection.statusCode,
          errorCode: rejection.errorCode,
          errorMessage: rejection.message,
        },
      };
    }
  };
}
