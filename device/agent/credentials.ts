import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

/**
 * KVS credentials from the AWS IoT credentials provider: an HTTPS GET authenticated by the
 * device certificate, for the role alias, naming the thing (the role's policy is scoped to
 * `channel/${credentials-iot:ThingName}/*`). They are cached and fetched again five minutes
 * before they expire; a concurrent caller shares the request in flight.
 */
export interface KvsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

export interface CredentialsProviderOptions {
  /** `<prefix>.credentials.iot.<region>.amazonaws.com`, optionally with `:port`. */
  endpoint: string;
  roleAlias: string;
  thingName: string;
  certPath: string;
  keyPath: string;
  caPath: string;
  timeoutMs?: number;
  refreshBeforeMs?: number;
  now?: () => number;
}

export class CredentialsProvider {
  private cached?: KvsCredentials;
  private inFlight?: Promise<KvsCredentials>;

  constructor(private readonly options: CredentialsProviderOptions) {}

  /** Fresh credentials: the cached ones unless they expire within the refresh margin. */
  get(): Promise<KvsCredentials> {
    const now = (this.options.now ?? Date.now)();
    const margin = this.options.refreshBeforeMs ?? 5 * 60_000;
    if (this.cached && Date.parse(this.cached.expiration) - margin > now) return Promise.resolve(this.cached);
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** When the cached credentials should be replaced (epoch ms), if any are cached. */
  refreshAt(): number | undefined {
    if (!this.cached) return undefined;
    return Date.parse(this.cached.expiration) - (this.options.refreshBeforeMs ?? 5 * 60_000);
  }

  private async fetch(): Promise<KvsCredentials> {
    const { endpoint, roleAlias, thingName } = this.options;
    const [host, port] = endpoint.split(':');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host,
          port: port ? Number(port) : 443,
          // SNI carries host names only (RFC 6066); an IP endpoint (the local cloud's) sends none.
          ...(host && isIP(host) === 0 ? { servername: host } : {}),
          method: 'GET',
          path: `/role-aliases/${encodeURIComponent(roleAlias)}/credentials`,
          headers: { 'x-amzn-iot-thingname': thingName },
          cert: readFileSync(this.options.certPath),
          key: readFileSync(this.options.keyPath),
          ca: readFileSync(this.options.caPath),
          timeout: this.options.timeoutMs ?? 10_000,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 200) resolve(text);
            // 403: certificate, role alias and thing name do not match, or the policy lacks
            // iot:AssumeRoleWithCertificate. The body is AWS's message, never credentials.
            else reject(new Error(`credentials provider answered ${res.statusCode}: ${text.slice(0, 200)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('credentials provider timed out')));
      req.on('error', reject);
      req.end();
    });
    const parsed = JSON.parse(body) as { credentials?: Partial<KvsCredentials> };
    const c = parsed.credentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || !c.expiration)
      throw new Error('credentials provider answered without credentials');
    this.cached = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration,
    };
    return this.cached;
  }
}
