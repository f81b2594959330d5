import { KommoConfigError } from '../../lib/client/errors';
import { AccountBase, assertWithinAccountApi, parseBaseUrl, resolveApiUrl } from '../../lib/client/url';

/** The error `action` throws; fails the test when it throws nothing, so no rejection case can pass vacuously. */
function thrownBy(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a KommoConfigError, but nothing was thrown');
}

const ACCEPTED_FORMS = 'https://{your-account}.kommo.com (or .amocrm.com / .amocrm.ru)';
const TOKEN_PROMISE = "the access token is only ever sent to the Base URL's host";

const kommo = parseBaseUrl('https://acme.kommo.com');
const loopback = parseBaseUrl('http://127.0.0.1:8080');

describe('parseBaseUrl', () => {
  it.each<[string, string, string, boolean]>([
    ['https://acme.kommo.com', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://acme.kommo.com/', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://acme.kommo.com/api/v4', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://acme.kommo.com/api/v4/', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://acme.kommo.com/API/V4/', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['acme.kommo.com', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['acme.kommo.com/', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['acme.kommo.com/api/v4', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['acme.kommo.com:443', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['  https://acme.kommo.com/  \n', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['HTTPS://ACME.Kommo.COM', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://acme.kommo.com:443/api/v4/', 'https://acme.kommo.com', 'acme.kommo.com', false],
    ['https://my-shop-1.amocrm.com', 'https://my-shop-1.amocrm.com', 'my-shop-1.amocrm.com', false],
    ['https://demo.amocrm.ru/api/v4/', 'https://demo.amocrm.ru', 'demo.amocrm.ru', false],
    ['https://1c.kommo.com', 'https://1c.kommo.com', '1c.kommo.com', false],
    ['https://a.kommo.com', 'https://a.kommo.com', 'a.kommo.com', false],
    ['http://localhost:8080', 'http://localhost:8080', 'localhost:8080', true],
    ['http://LOCALHOST:8080/', 'http://localhost:8080', 'localhost:8080', true],
    ['http://localhost', 'http://localhost', 'localhost', true],
    ['https://localhost:8443/api/v4', 'https://localhost:8443', 'localhost:8443', true],
    ['localhost:8080', 'https://localhost:8080', 'localhost:8080', true],
    ['http://127.0.0.1:3000/api/v4/', 'http://127.0.0.1:3000', '127.0.0.1:3000', true],
    ['http://127.45.6.7:1', 'http://127.45.6.7:1', '127.45.6.7:1', true],
    ['http://[::1]:9000/', 'http://[::1]:9000', '[::1]:9000', true],
  ])('accepts %j as %s', (raw, origin, host, isLoopback) => {
    expect(parseBaseUrl(raw)).toEqual({ origin, host, isLoopback });
  });

  it.each<[unknown, RegExp]>([
    ['http://acme.kommo.com', /https only/],
    ['http://acme.kommo.com:443', /https only/],
    ['https://acme.kommo.com:8443', /port 8443 is not allowed/],
    ['acme.kommo.com:8080', /port 8080 is not allowed/],
    ['https://kommo.com', /"kommo\.com" is the bare domain/],
    ['kommo.com', /bare domain/],
    ['https://amocrm.ru/', /"amocrm\.ru" is the bare domain/],
    ['https://www.kommo.com', /shared site/],
    ['https://www.amocrm.ru/', /shared site/],
    ['https://api-c.kommo.com', /shared API hosts/],
    ['https://api-a.amocrm.ru/api/v4', /shared API hosts/],
    ['https://a.b.kommo.com', /"a\.b\.kommo\.com" is not a Kommo account host/],
    ['https://acme.kommo.com.evil.com', /not a Kommo account host/],
    ['https://acme.kommo.co', /not a Kommo account host/],
    ['https://evil.com', /not a Kommo account host/],
    ['https://acme-.kommo.com', /not a Kommo account host/],
    ['https://-acme.kommo.com', /not a Kommo account host/],
    ['https://acme.kommo.com.', /not a Kommo account host/],
    ['https://[::2]', /not a Kommo account host/],
    ['http://localhost.evil.com:8080', /not a Kommo account host/],
    ['http://10.0.0.1:8080', /not a Kommo account host/],
    ['http://0.0.0.0:8080', /not a Kommo account host/],
    ['https://xn--80ak6aa92e.kommo.com', /punycode/],
    ['https://\u0430cme.kommo.com', /U\+0430/],
    ['https://ａcme.kommo.com', /U\+FF41/],
    ['https://acme .kommo.com', /U\+0020/],
    ['https://acme.kommo.com\\evil', /U\+005C/],
    ['https://acme.kommo.com/leads', /the path "\/leads" is not allowed/],
    ['https://acme.kommo.com/api/v4/leads', /the path "\/api\/v4\/leads" is not allowed/],
    ['https://acme.kommo.com//', /the path "\/\/" is not allowed/],
    ['https://acme.kommo.com/api/v3', /the path "\/api\/v3" is not allowed/],
    ['https://acme.kommo.com?x=1', /query \(\?\) or fragment \(#\)/],
    ['https://acme.kommo.com/?', /query \(\?\) or fragment \(#\)/],
    ['https://acme.kommo.com/#top', /query \(\?\) or fragment \(#\)/],
    ['https://user:pass@acme.kommo.com', /user name or password/],
    ['https://acme.kommo.com@evil.com', /user name or password/],
    ['ftp://acme.kommo.com', /the scheme "ftp:" is not supported/],
    ['https:acme.kommo.com', /scheme but no "\/\/"/],
    ['javascript:alert(1)', /not allowed in a Base URL/],
    ['https:///acme.kommo.com', /names no host/],
    ['https://', /names no host/],
    ['https://acme.kommo.com:99999', /not a valid host/],
    ['', /got nothing: the field is empty/],
    ['   \n', /got nothing: the field is empty/],
    [undefined, /got nothing: expected text, got nothing/],
    [null, /expected text, got null/],
    [42, /expected text, got a number/],
    [{ baseUrl: 'https://acme.kommo.com' }, /expected text, got an object/],
  ])('refuses %j: %s', (raw, reason) => {
    const error = thrownBy(() => parseBaseUrl(raw));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(ACCEPTED_FORMS);
    expect(error.message).toContain('http://localhost:{port}');
  });

  it.each([
    'https://user:hunter2@acme.kommo.com',
    'https://:hunter2@acme.kommo.com/',
    'https://hunter2@acme.kommo.com',
    'https://user:hun@ter2@acme.kommo.com',
    'https://user:hunter2?x@acme.kommo.com',
    'https://user:hunter2/x@acme.kommo.com',
    'user:hunter2@acme.kommo.com',
    'http://user:hunter2@localhost:8080',
  ])('never repeats the user info of %j in the message', (raw) => {
    const error = thrownBy(() => parseBaseUrl(raw));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(error.message).toMatch(/user name or password/);
    expect(error.message).not.toMatch(/hunter|ter2|user:/);
    expect(error.message).toContain('***@');
  });
});

describe('resolveApiUrl: composition', () => {
  it.each<[string, string]>([
    ['leads', 'https://acme.kommo.com/api/v4/leads'],
    ['/leads', 'https://acme.kommo.com/api/v4/leads'],
    ['api/v4/leads', 'https://acme.kommo.com/api/v4/leads'],
    ['/api/v4/leads', 'https://acme.kommo.com/api/v4/leads'],
    ['/api/v4/leads?limit=5', 'https://acme.kommo.com/api/v4/leads?limit=5'],
    ['leads/123?with=contacts', 'https://acme.kommo.com/api/v4/leads/123?with=contacts'],
    ['leads/', 'https://acme.kommo.com/api/v4/leads/'],
    ['  leads  ', 'https://acme.kommo.com/api/v4/leads'],
    ['leads/complex', 'https://acme.kommo.com/api/v4/leads/complex'],
    ['leads/pipelines/7/statuses/142', 'https://acme.kommo.com/api/v4/leads/pipelines/7/statuses/142'],
    ['leads/custom_fields/groups/leads_1600152364', 'https://acme.kommo.com/api/v4/leads/custom_fields/groups/leads_1600152364'],
    ['catalogs/5/elements?limit=50&page=2', 'https://acme.kommo.com/api/v4/catalogs/5/elements?limit=50&page=2'],
    ['account?with=amojo_id,users_groups', 'https://acme.kommo.com/api/v4/account?with=amojo_id,users_groups'],
    ['leads?filter[id][]=1&filter[id][]=2', 'https://acme.kommo.com/api/v4/leads?filter[id][]=1&filter[id][]=2'],
    [
      'leads?filter[updated_at][from]=1700000000&filter[updated_at][to]=1700003600&order[updated_at]=asc',
      'https://acme.kommo.com/api/v4/leads?filter[updated_at][from]=1700000000&filter[updated_at][to]=1700003600&order[updated_at]=asc',
    ],
    [
      'leads?filter[statuses][0][pipeline_id]=7&filter[statuses][0][status_id]=142',
      'https://acme.kommo.com/api/v4/leads?filter[statuses][0][pipeline_id]=7&filter[statuses][0][status_id]=142',
    ],
    ['events?filter[entity][]=lead&filter[type][]=lead_added', 'https://acme.kommo.com/api/v4/events?filter[entity][]=lead&filter[type][]=lead_added'],
    ['contacts?query=+7 999 123-45-67', 'https://acme.kommo.com/api/v4/contacts?query=+7%20999%20123-45-67'],
    ['contacts?query=ivan@example.com', 'https://acme.kommo.com/api/v4/contacts?query=ivan@example.com'],
    ['contacts?query=Иван', 'https://acme.kommo.com/api/v4/contacts?query=%D0%98%D0%B2%D0%B0%D0%BD'],
  ])('%j → %s', (url, expected) => {
    expect(resolveApiUrl(kommo, url).href).toBe(expected);
  });

  it('keeps bracket filters byte for byte in the query', () => {
    const query = '?filter[custom_fields_values][123][from]=1&filter[id][]=9&with=contacts';
    expect(resolveApiUrl(kommo, `/api/v4/leads${query}`).search).toBe(query);
  });

  it.each<[string, string, string]>([
    ['http://127.0.0.1:8080', 'leads?limit=1', 'http://127.0.0.1:8080/api/v4/leads?limit=1'],
    ['http://localhost:3000/api/v4/', '/api/v4/account', 'http://localhost:3000/api/v4/account'],
    ['http://[::1]:9000', 'contacts/7', 'http://[::1]:9000/api/v4/contacts/7'],
    ['demo.amocrm.ru/api/v4', 'leads', 'https://demo.amocrm.ru/api/v4/leads'],
  ])('on base %s, %j → %s', (rawBase, url, expected) => {
    expect(resolveApiUrl(parseBaseUrl(rawBase), url).href).toBe(expected);
  });

  it.each<[unknown, string]>([
    [undefined, 'nothing'],
    [null, 'null'],
    ['', 'an empty string'],
    ['   ', 'an empty string'],
    [42, 'a number'],
    [['leads'], 'an array'],
    [{ path: 'leads' }, 'an object'],
  ])('requires url to be non-empty text (%j)', (url, described) => {
    const error = thrownBy(() => resolveApiUrl(kommo, url));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(error.message).toMatch(/^url is required: a path relative to https:\/\/acme\.kommo\.com\/api\/v4\//);
    expect(error.message).toContain('e.g. "leads?limit=5"');
    expect(error.message).toContain(`got ${described}`);
  });
});

/**
 * Inputs that try to send the request (and the token) somewhere else, each with the reason the
 * message must give. Every row expects a throw, so removing the input checks fails the row.
 */
const ADVERSARIAL: ReadonlyArray<[string, RegExp]> = [
  // Absolute URLs and anything the parser would read as a scheme.
  ['https://evil.com/x', /starts with a scheme/],
  ['http://evil.com', /starts with a scheme/],
  ['HTTPS://evil.com/api/v4/leads', /starts with a scheme/],
  ['hTtP://acme.kommo.com.evil.com/api/v4/leads', /starts with a scheme/],
  ['https://acme.kommo.com/api/v4/leads', /starts with a scheme/],
  ['https://acme.kommo.com@evil.com/', /starts with a scheme/],
  ['https://u:hunter2@evil.com/x', /starts with a scheme/],
  ['javascript:alert(1)', /starts with a scheme/],
  ['file:///etc/passwd', /starts with a scheme/],
  ['data:text/plain,hi', /starts with a scheme/],
  ['ftp://evil.com', /starts with a scheme/],
  ['ws://evil.com', /starts with a scheme/],
  ['https:evil.com', /starts with a scheme/],
  ['https:/evil.com', /starts with a scheme/],
  ['evil.com:443/x', /starts with a scheme/],
  ['localhost:8080/api/v4/leads', /starts with a scheme/],
  ['user:pw@evil.com', /starts with a scheme/],
  ['leads:443', /starts with a scheme/],
  // Network paths: two slashes in any mix of / and \ name a host.
  ['//evil.com', /two slashes/],
  ['//evil.com/api/v4/leads', /two slashes/],
  ['///evil.com', /two slashes/],
  ['\\\\evil.com', /two slashes/],
  ['/\\evil.com', /two slashes/],
  ['\\/evil.com', /two slashes/],
  [' //evil.com', /two slashes/],
  // Backslashes anywhere in the path (the parser reads them as slashes).
  ['\\evil.com', /"\\" \(U\+005C\).*backslash/],
  ['leads\\..\\..\\x', /backslash/],
  ['/api/v4/\\\\evil.com', /backslash/],
  // User info.
  ['@evil.com', /"@" \(U\+0040\).*user info/],
  ['/@evil.com', /user info/],
  ['leads@evil.com/x', /user info/],
  // Colons that are not a scheme.
  [':@evil.com', /":" \(U\+003A\).*scheme or a port/],
  [':leads', /scheme or a port/],
  ['/evil.com:443/x', /scheme or a port/],
  // Percent-encoded slashes, backslashes, dots and user info.
  ['%2F%2Fevil.com', /"%" \(U\+0025\).*percent-encoded/],
  ['%2f%2fevil.com', /percent-encoded/],
  ['%5C%5Cevil.com', /percent-encoded/],
  ['/%2e%2e/%2e%2e/x', /percent-encoded/],
  ['leads/%2e%2e/%2e%2e/oauth2/access_token', /percent-encoded/],
  ['%252F%252Fevil.com', /percent-encoded/],
  ['leads%3F%40evil.com', /percent-encoded/],
  // Dot segments that climb out of /api/v4/.
  ['../leads', /dot segments/],
  ['/api/v4/../../evil', /dot segments/],
  ['leads/../../../oauth2/access_token', /dot segments/],
  ['./leads', /dot segments/],
  ['leads/.', /dot segments/],
  ['..', /dot segments/],
  // Control characters: header injection, or silently removed by the parser.
  ['leads\r\nHost: evil.com', /U\+000D/],
  ['leads\nX-Injected: 1', /U\+000A/],
  ['\tleads', /U\+0009/],
  ['le\tads', /U\+0009/],
  ['/\t/evil.com', /U\+0009/],
  ['/\n/evil.com', /U\+000A/],
  ['leads\u0000', /U\+0000/],
  ['leads?x=1\r\nX-Injected: 1', /U\+000D/],
  ['leads\u007f', /U\+007F/],
  ['leads\u0085', /U\+0085/],
  ['\u2028leads', /U\+2028/],
  // Unicode look-alikes and invisible characters.
  ['／／evil.com', /U\+FF0F/],
  ['＼＼evil.com', /U\+FF3C/],
  ['﹫evil.com', /U\+FE6B/],
  ['leads／..／..／x', /U\+FF0F/],
  ['ｌeads', /U\+FF4C/],
  ['\u0435vil.com/leads', /U\+0435/],
  ['\u200bleads', /U\+200B/],
  ['leads\u202e', /U\+202E/],
  ['[::1]/x', /U\+005B/],
  ['leads<script>', /U\+003C/],
  // Fragments (never sent, and a way to hide the rest of the input).
  ['leads#@evil.com', /fragment/],
  ['#//evil.com', /fragment/],
  ['leads?x=1#frag', /fragment/],
  // Paths that name nothing below /api/v4/, or another API version.
  ['/', /names no endpoint/],
  ['api/v4', /names no endpoint/],
  ['/api/v4/?limit=5', /names no endpoint/],
  ['?limit=5', /names no endpoint/],
  ['api/v3/leads', /Kommo API v4 only/],
  ['/api', /Kommo API v4 only/],
  ['api/v4/api/v2/account', /Kommo API v4 only/],
  ['/api/v4//evil.com', /empty path segment/],
  ['leads//123', /empty path segment/],
];

describe('resolveApiUrl: adversarial url inputs', () => {
  it('has at least 40 cases', () => {
    expect(ADVERSARIAL.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ADVERSARIAL)('refuses %j (%s)', (url, reason) => {
    const error = thrownBy(() => resolveApiUrl(kommo, url));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('url must be a path relative to https://acme.kommo.com/api/v4/');
    expect(error.message).toContain(`${TOKEN_PROMISE} (acme.kommo.com)`);
    expect(error.message).not.toContain('hunter2');
  });

  // These show the threat is real: resolved the naive way, each leaves the account's /api/v4/.
  it.each([
    'https://evil.com/x',
    '//evil.com',
    '\\\\evil.com',
    '/\\evil.com',
    '\\/evil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    'evil.com:443/x',
    'http:evil.com',
    'https://acme.kommo.com@evil.com/',
    '../../oauth2/access_token',
    'leads/../../../x',
  ])('%j escapes a naive new URL(url, base) but not resolveApiUrl', (url) => {
    const naive = new URL(url, `${kommo.origin}/api/v4/`);
    const naiveEscapes = naive.origin !== kommo.origin || !naive.pathname.startsWith('/api/v4/');
    expect(naiveEscapes).toBe(true);
    expect(thrownBy(() => resolveApiUrl(kommo, url))).toBeInstanceOf(KommoConfigError);
  });

  // Deliberately accepted: the suspicious text sits in the query, which cannot move the request.
  it.each<[string, string]>([
    ['leads?next=https://evil.com/x', 'https://acme.kommo.com/api/v4/leads?next=https://evil.com/x'],
    ['leads?redirect=//evil.com', 'https://acme.kommo.com/api/v4/leads?redirect=//evil.com'],
    ['contacts?query=ivan@evil.com', 'https://acme.kommo.com/api/v4/contacts?query=ivan@evil.com'],
    ['leads?x=\\\\evil.com', 'https://acme.kommo.com/api/v4/leads?x=\\\\evil.com'],
    ['leads?x=%2F%2Fevil.com', 'https://acme.kommo.com/api/v4/leads?x=%2F%2Fevil.com'],
    ['leads?x=../../y', 'https://acme.kommo.com/api/v4/leads?x=../../y'],
    ['leads?x=／evil', 'https://acme.kommo.com/api/v4/leads?x=%EF%BC%8Fevil'],
    ['leads?a=1?b=evil.com:443', 'https://acme.kommo.com/api/v4/leads?a=1?b=evil.com:443'],
    ['API/V4/leads', 'https://acme.kommo.com/api/v4/API/V4/leads'],
    ['...', 'https://acme.kommo.com/api/v4/...'],
    ['leads..', 'https://acme.kommo.com/api/v4/leads..'],
  ])('keeps %j on the account: %s', (url, expected) => {
    const resolved = resolveApiUrl(kommo, url);
    expect(resolved.origin).toBe(kommo.origin);
    expect(resolved.pathname.startsWith('/api/v4/')).toBe(true);
    expect(resolved.href).toBe(expected);
  });
});

/** Either a KommoConfigError, or a URL on the base's origin below /api/v4/; anything else is a bug. */
function staysOnAccount(base: AccountBase, url: string): boolean {
  let resolved: URL;
  try {
    resolved = resolveApiUrl(base, url);
  } catch (error) {
    return error instanceof KommoConfigError;
  }
  return new URL(resolved.href).origin === base.origin && resolved.pathname.startsWith('/api/v4/');
}

describe('resolveApiUrl: property — a url never leaves the account', () => {
  const prefixes = ['', '/', 'api/v4/', '/api/v4/', 'leads/', 'leads?x=', ' '];

  it.each([
    ['a Kommo account', kommo],
    ['a loopback server', loopback],
  ])('holds for every adversarial input behind every prefix, on %s', (_name, base) => {
    const failures = ADVERSARIAL
      .flatMap(([url]) => prefixes.map((prefix) => `${prefix}${url}`))
      .filter((url) => !staysOnAccount(base, url));
    expect(failures).toEqual([]);
  });

  it('holds for every sequence of up to three dangerous fragments', () => {
    const fragments = [
      '/', '\\', '//', '@', ':', '.', '..', '%2F', '%2e', 'evil.com', 'https:', '?', '#', '／', '\t', '\n', 'api/v4', ' ', 'leads',
    ];
    const inputs = fragments.flatMap((a) => [a, ...fragments.flatMap((b) => [a + b, ...fragments.map((c) => a + b + c)])]);
    expect(inputs.length).toBeGreaterThan(6000);
    expect(inputs.filter((url) => !staysOnAccount(kommo, url))).toEqual([]);
    // Not vacuous: some of these are accepted, so the origin check above really ran.
    expect(inputs.filter((url) => { try { resolveApiUrl(kommo, url); return true; } catch { return false; } }).length).toBeGreaterThan(50);
  });
});

describe('assertWithinAccountApi: the final guard', () => {
  it.each([
    ['another host', 'https://evil.com/api/v4/leads'],
    ['a look-alike host', 'https://acme.kommo.com.evil.com/api/v4/leads'],
    ['another scheme', 'http://acme.kommo.com/api/v4/leads'],
    ['another port', 'https://acme.kommo.com:8443/api/v4/leads'],
    ['user info', 'https://user:hunter2@acme.kommo.com/api/v4/leads'],
    ['a path outside /api/v4/', 'https://acme.kommo.com/oauth2/access_token'],
    ['/api/v4 without its slash', 'https://acme.kommo.com/api/v4'],
    ['a longer version', 'https://acme.kommo.com/api/v41/leads'],
    ['a path that climbed out', 'https://acme.kommo.com/api/v4/../private'],
  ])('refuses %s (%s)', (_what, candidate) => {
    const error = thrownBy(() => assertWithinAccountApi(kommo, new URL(candidate)));
    expect(error).toBeInstanceOf(KommoConfigError);
    expect(error.message).toMatch(/^Refusing to send a request to /);
    expect(error.message).toContain(`${TOKEN_PROMISE} (acme.kommo.com)`);
    expect(error.message).not.toContain('hunter2');
  });

  it('returns the same URL when it is on the account below /api/v4/', () => {
    const candidate = new URL('https://acme.kommo.com/api/v4/leads?limit=5');
    expect(assertWithinAccountApi(kommo, candidate)).toBe(candidate);
  });

  it('guards loopback bases by port too', () => {
    expect(() => assertWithinAccountApi(loopback, new URL('http://127.0.0.1:8081/api/v4/leads'))).toThrow(KommoConfigError);
    expect(assertWithinAccountApi(loopback, new URL('http://127.0.0.1:8080/api/v4/leads')).host).toBe('127.0.0.1:8080');
  });
});
