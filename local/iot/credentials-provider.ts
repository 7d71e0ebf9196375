import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AWS_PORTS, listenCameraEndpoint, type Bound } from '../endpoints';
import { authorizeIot } from './broker';
import { certificateIdOf, mutualTlsOptions, type IotTlsFiles } from './ca';
import { roleAliasArn } from './policies';
import type { IotRegistry } from './registry';

/**
 * The AWS IoT credentials provider: a device presents its certificate over TLS and names its thing
 * in `x-amzn-iot-thingname`, and gets temporary credentials for the role behind a role alias.
 * The certificate must be ACTIVE, its IoT policy must allow `iot:AssumeRoleWithCertificate` on the
 * alias, and the thing must be attached to the certificate; the session carries
 * `credentials-iot:ThingName`, which the role's policy names.
 */

export interface RoleAlias {
  roleArn: string;
  /** 900 to 43200; AWS's default is 3600. */
  credentialDurationSeconds: number;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601 without milliseconds, as the provider writes it. */
  expiration: string;
}

export interface CredentialsProviderOptions {
  registry: IotRegistry;
  roleAliases: Map<string, RoleAlias>;
  /** Issues a session of the role, with the request context its policy variables resolve from. */
  issue: (input: {
    roleArn: string;
    sessionName: string;
    durationSeconds: number;
    context: Record<string, string>;
  }) => IssuedCredentials;
  tls: IotTlsFiles;
  /** The loopback address to serve on AWS's port (443); an ephemeral port of 127.0.0.1 if omitted. */
  address?: string;
  log: (line: string) => void;
}

const PATH = /^\/role-aliases\/([\w=,@-]{1,128})\/credentials$/;

export async function startCredentialsProvider(
  options: CredentialsProviderOptions,
): Promise<{ bound: Bound; close: () => void }> {
  const { registry } = options;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const forbidden = () => send(403, { message: 'Access Denied' });
    const match = PATH.exec(new URL(req.url ?? '/', 'https://localhost').pathname);
    if (req.method !== 'GET' || !match) return send(404, { message: 'Not Found' });
    const alias = options.roleAliases.get(decodeURIComponent(match[1]!));

    const raw = (req.socket as TLSSocket).getPeerCertificate?.(true)?.raw;
    const certificateId = raw ? certificateIdOf(raw) : '';
    const cert = registry.certificate(certificateId);
    if (!alias || !cert || cert.status !== 'ACTIVE') return forbidden();
    if (
      !authorizeIot(registry, cert.policies, 'iot:AssumeRoleWithCertificate', roleAliasArn(match[1]!), {})
    ) {
      return forbidden();
    }
    const context: Record<string, string> = { 'credentials-iot:AwsCertificateId': certificateId };
    const thingHeader = req.headers['x-amzn-iot-thingname'];
    if (thingHeader !== undefined) {
      // "The ThingName ... must match the name of the AWS IoT Thing resource assigned to a cert."
      const thingName = Array.isArray(thingHeader) ? '' : thingHeader;
      if (!cert.things.includes(thingName)) {
        options.log(`iot: credentials refused: ${thingName} is not attached to the presented certificate`);
        return forbidden();
      }
      context['credentials-iot:ThingName'] = thingName;
    }
    const credentials = options.issue({
      roleArn: alias.roleArn,
      sessionName: certificateId,
      durationSeconds: alias.credentialDurationSeconds,
      context,
    });
    send(200, { credentials });
  };

  const server: Server = createServer(mutualTlsOptions(options.tls), (req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      options.log(`iot: credentials provider failed: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Failure' }));
    }
  });
  server.on('tlsClientError', () => undefined);
  const bound = await listenCameraEndpoint(
    server,
    options.address ?? '127.0.0.1',
    options.address ? AWS_PORTS.https : 0,
    'the IoT credentials provider',
  );
  return {
    bound,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
