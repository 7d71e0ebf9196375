import type { WebConfig } from '../../lambda/contract/types';

export type { WebConfig };

/** Reads `/config.json` (written by the stack at deploy, or served by the local cloud). */
export async function loadConfig(url = '/config.json'): Promise<WebConfig> {
  const res = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parseConfig(await res.json());
}

export function parseConfig(raw: unknown): WebConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error('config.json is not an object');
  const c = raw as Record<string, unknown>;
  const str = (key: keyof WebConfig): string => {
    const v = c[key];
    if (typeof v !== 'string' || v === '') throw new Error(`config.json lacks ${key}`);
    return v;
  };
  const authFlow = c.authFlow ?? 'USER_SRP_AUTH';
  if (authFlow !== 'USER_SRP_AUTH' && authFlow !== 'USER_PASSWORD_AUTH') {
    throw new Error(`config.json has an unknown authFlow ${String(authFlow)}`);
  }
  const config: WebConfig = {
    region: str('region'),
    webUrl: str('webUrl'),
    apiUrl: str('apiUrl'),
    userPoolId: str('userPoolId'),
    userPoolClientId: str('userPoolClientId'),
    authFlow,
  };
  if (typeof c.cognitoEndpoint === 'string' && c.cognitoEndpoint !== '')
    config.cognitoEndpoint = c.cognitoEndpoint;
  return config;
}
