import { httpRequest, outputs, type HttpAnswer } from '../support/cloud';
import { synthSightline } from '../unit/cdk/synth';

/**
 * Web hardening (docs/design.md §4): the pages the local cloud serves carry a strict CSP (no inline
 * or eval'd script, no framing), HSTS, no referrer, nosniff, and powerful features (camera,
 * microphone, location) granted to the caller's page alone; and CloudFront's response headers
 * policies in the synthesized template carry the same values for the same paths. Only
 * connect-src differs by design: the local cloud is one origin, AWS has the API, Cognito and KVS
 * on origins of their own.
 */
type Headers = Record<string, string>;

const POWERFUL = ['camera', 'microphone', 'geolocation'];

function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

function permissions(value: string): Map<string, string> {
  return new Map(
    value.split(',').map((p) => {
      const [feature, allow] = p.trim().split('=');
      return [feature!, allow!] as [string, string];
    }),
  );
}

function served(answer: HttpAnswer): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(answer.headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

let pages: { path: string; caller: boolean; headers: Headers }[];

beforeAll(async () => {
  const index = await httpRequest(`${outputs.webUrl}/`);
  // A static asset the page loads: its bundle.
  const asset = /<script[^>]+src="([^"]+)"/.exec(index.text)?.[1];
  expect(asset).toBeDefined();
  const callerPage = await httpRequest(`${outputs.webUrl}/c/`);
  pages = [
    { path: '/', caller: false, headers: served(index) },
    {
      path: asset!,
      caller: false,
      headers: served(await httpRequest(new URL(asset!, `${outputs.webUrl}/`).href)),
    },
    { path: '/devices', caller: false, headers: served(await httpRequest(`${outputs.webUrl}/devices`)) },
    {
      path: '/config.json',
      caller: false,
      headers: served(await httpRequest(`${outputs.webUrl}/config.json`)),
    },
    { path: '/c/', caller: true, headers: served(callerPage) },
    // Not the caller's page: CloudFront routes only `/c/*` to it, and the local cloud must agree.
    { path: '/c', caller: false, headers: served(await httpRequest(`${outputs.webUrl}/c`)) },
  ];
  expect(callerPage.status).toBe(200);
});

describe('the local cloud serves hardened pages', () => {
  test.each(['/', 'asset', '/devices', '/config.json', '/c/'])('%s', (which) => {
    const page = pages.find((p) => p.path === which) ?? pages[1]!;
    const h = page.headers;
    const csp = directives(h['content-security-policy'] ?? '');
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const [name, values] of csp) {
      // No inline or eval'd code anywhere, and no wildcard source.
      expect({
        name,
        unsafe: values.filter((v) => /unsafe-|^\*$|^https?:$|^data:$/.test(v) && name !== 'img-src'),
      }).toEqual({
        name,
        unsafe: [],
      });
    }
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(h['strict-transport-security']).toMatch(/^max-age=(\d+); includeSubDomains/);
    expect(Number(/max-age=(\d+)/.exec(h['strict-transport-security']!)![1])).toBeGreaterThanOrEqual(
      31536000,
    );
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['x-frame-options']).toBe('DENY');
    const allowed = permissions(h['permissions-policy'] ?? '');
    for (const feature of POWERFUL)
      expect({ feature, allow: allowed.get(feature) }).toEqual({
        feature,
        allow: page.caller ? '(self)' : '()',
      });
  });

  test('the pages checked include the caller page and a static asset', () => {
    expect(pages.filter((p) => p.caller)).toHaveLength(1);
    expect(pages.some((p) => /\.(js|css)$/.test(p.path))).toBe(true);
  });
});

describe('CloudFront serves the same headers', () => {
  const { template } = synthSightline();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

  /** A CloudFormation value as text, tokens shown as <token> (they only appear in connect-src). */
  const text = (v: unknown): string =>
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && 'Fn::Join' in v
        ? (v['Fn::Join'] as [string, unknown[]])[1].map(text).join((v['Fn::Join'] as [string])[0])
        : '<token>';

  /** The headers a response headers policy adds, as a browser would see them. */
  function policyHeaders(id: string): Headers {
    const config = resources[id]!.Properties.ResponseHeadersPolicyConfig;
    const sec = config.SecurityHeadersConfig ?? {};
    const out: Headers = {};
    if (sec.ContentSecurityPolicy)
      out['content-security-policy'] = text(sec.ContentSecurityPolicy.ContentSecurityPolicy);
    if (sec.StrictTransportSecurity) {
      const s = sec.StrictTransportSecurity;
      out['strict-transport-security'] =
        `max-age=${s.AccessControlMaxAgeSec}${s.IncludeSubdomains ? '; includeSubDomains' : ''}${s.Preload ? '; preload' : ''}`;
    }
    if (sec.ReferrerPolicy) out['referrer-policy'] = sec.ReferrerPolicy.ReferrerPolicy;
    if (sec.ContentTypeOptions) out['x-content-type-options'] = 'nosniff';
    if (sec.FrameOptions) out['x-frame-options'] = sec.FrameOptions.FrameOption;
    for (const item of config.CustomHeadersConfig?.Items ?? [])
      out[String(item.Header).toLowerCase()] = text(item.Value);
    return out;
  }

  /** Which policy CloudFront applies to a path: the first matching behaviour, else the default. */
  function policyFor(path: string): string {
    const dist = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties
      .DistributionConfig;
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    const behaviour =
      (dist.CacheBehaviors ?? []).find((b: { PathPattern: string }) => glob(b.PathPattern).test(path)) ??
      dist.DefaultCacheBehavior;
    return behaviour.ResponseHeadersPolicyId.Ref as string;
  }

  const withoutConnectSrc = (h: Headers) => {
    const out = { ...h };
    const csp = out['content-security-policy'];
    if (csp)
      out['content-security-policy'] = csp
        .split('; ')
        .filter((d) => !d.startsWith('connect-src'))
        .join('; ');
    return out;
  };

  test('for every page checked, the same security headers and values (connect-src aside)', () => {
    for (const page of pages) {
      const expected = withoutConnectSrc(policyHeaders(policyFor(page.path)));
      const local = withoutConnectSrc(page.headers);
      const localSecurity = Object.fromEntries(Object.keys(expected).map((k) => [k, local[k]]));
      expect({ path: page.path, headers: localSecurity }).toEqual({ path: page.path, headers: expected });
    }
  });

  test("connect-src on AWS names only AWS endpoints of the deployment's region", () => {
    const wildcards = new Set<string>();
    for (const path of ['/', '/c/']) {
      const csp = directives(policyHeaders(policyFor(path))['content-security-policy'] ?? '');
      const sources = csp.get('connect-src') ?? [];
      expect(sources[0]).toBe("'self'");
      for (const source of sources.slice(1)) {
        expect(source).toMatch(
          /^(https|wss):\/\/([a-z0-9*-]+\.)*[a-z0-9-]+\.eu-west-1\.amazonaws\.com$|<token>/,
        );
        if (source.includes('*')) wildcards.add(source);
      }
    }
    // Open (SECURITY.md): a regional wildcard also admits other accounts' endpoints of that service.
    console.log(`connect-src wildcards: ${[...wildcards].join(' ')}`);
  });
});
