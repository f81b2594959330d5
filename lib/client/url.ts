/**
 * Where a request may go. The Base URL names one Kommo account; every request URL is composed
 * here from a path below that account's `/api/v4/` and checked again before it is returned,
 * because the bearer token goes wherever the URL points (docs/kommo-api.md §11 "Host validation":
 * the token may only go to the account host).
 *
 * Input is checked with small allow-lists before the WHATWG URL parser sees it, because the
 * parser does not read text the way a person would: it quietly turns `\` into `/`, drops tabs
 * and newlines, maps full-width characters in hosts and treats `evil.com:443/x` as a scheme.
 */
import { configError } from './errors';

/** A validated Kommo account base: the origin every request (and the token) goes to. */
export interface AccountBase {
  /** `https://acme.kommo.com` or, for loopback testing, `http://127.0.0.1:8080`. No trailing slash. */
  readonly origin: string;
  /** The origin's host, with the port when it is not the default: `acme.kommo.com`, `127.0.0.1:8080`. */
  readonly host: string;
  /** `localhost`, `127.0.0.0/8` or `[::1]`: local testing, where `http` and any port are allowed. */
  readonly isLoopback: boolean;
}

/** Every request goes below this path (docs/kommo-api.md §1). */
const API_ROOT = '/api/v4/';

/** What a person should type, repeated in every Base URL error. */
const ACCEPTED_BASE_FORMS =
  'https://{your-account}.kommo.com (or .amocrm.com / .amocrm.ru), optionally ending in /api/v4;'
  + ' for local testing http://localhost:{port}, http://127.0.0.1:{port} or http://[::1]:{port}';

/**
 * An account host: exactly one label in front of one of the three families (docs/kommo-api.md §1),
 * never the shared `www.` site or the shared `api-*.` hosts (§11, whose regex this is). Labels in
 * punycode (`xn--`) are refused too: Kommo subdomains are ASCII, and an IDN label is how a
 * look-alike host would be spelled.
 */
const ACCOUNT_HOST =
  /^(?!www\.|api-[a-z0-9-]+\.|xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:kommo\.com|amocrm\.com|amocrm\.ru)$/;

/** The apex domains themselves, which are not accounts. */
const FAMILY_DOMAINS: ReadonlySet<string> = new Set(['kommo.com', 'amocrm.com', 'amocrm.ru']);

/** Paths a Base URL may end with; all of them mean the account root. */
const TOLERATED_BASE_PATHS: ReadonlySet<string> = new Set(['', '/', '/api/v4', '/api/v4/']);

/** Characters a Base URL can need: scheme, host, IPv6 brackets, port, `/api/v4`. */
const BASE_URL_CHARACTER = /[A-Za-z0-9.:/[\]-]/;

/** Characters a Kommo path needs: entity names, ids, `_`, `-`, `.` and `/` between segments. */
const PATH_CHARACTER = /[A-Za-z0-9._~/-]/;

/** `scheme:` at the start, as the URL parser would read it (`https:`, `javascript:`, `evil.com:`). */
const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]*:/i;

/** Longest piece of a rejected input repeated in an error message. */
const MAX_ECHO_LENGTH = 120;

/**
 * Validates and normalises the credential's Base URL.
 *
 * Accepted: `https://acme.kommo.com` (also `.amocrm.com`, `.amocrm.ru`), with a trailing `/`,
 * `/api/v4` or `/api/v4/`, an explicit `:443`, upper-case letters or surrounding whitespace; a bare
 * `acme.kommo.com` (the form Kommo's OAuth `referer` uses, docs/kommo-api.md §1) is read as https,
 * and so is a bare `localhost:8080`. Loopback hosts may use `http` and any port. Everything else
 * throws a KommoConfigError that says what was wrong and lists the accepted forms, with any user
 * name or password redacted.
 */
export function parseBaseUrl(raw: unknown): AccountBase {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw baseUrlError(raw, typeof raw === 'string' ? 'the field is empty' : `expected text, got ${describeType(raw)}`);
  }
  const text = raw.trim();
  const refusal = refusedBaseCharacters(text);
  if (refusal !== undefined) throw baseUrlError(text, refusal);

  const { scheme, rest } = splitBaseScheme(text);
  if (scheme !== 'https' && scheme !== 'http') {
    throw baseUrlError(text, `the scheme "${scheme}:" is not supported; use https://`);
  }
  const pathStart = rest.indexOf('/');
  const authority = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const path = pathStart === -1 ? '' : rest.slice(pathStart);
  if (authority === '') throw baseUrlError(text, 'it names no host');

  const parsed = parseAuthority(scheme, authority);
  if (parsed === undefined) throw baseUrlError(text, `"${authority}" is not a valid host (and port)`);
  const isLoopback = isLoopbackHostname(parsed.hostname);
  if (!isLoopback) {
    const hostRefusal = refusedAccountHost(parsed.hostname);
    if (hostRefusal !== undefined) throw baseUrlError(text, hostRefusal);
    // docs/kommo-api.md §1: the API is HTTPS only; plain http would send the token in clear.
    if (scheme !== 'https') throw baseUrlError(text, 'Kommo accounts are reached over https only (http is for loopback testing)');
    // The parser already dropped a redundant :443, so any port left is a different service.
    if (parsed.port !== '') throw baseUrlError(text, `port ${parsed.port} is not allowed; Kommo accounts listen on 443 only`);
  }
  // The path is discarded (requests compose their own /api/v4/…); case does not matter for that.
  if (!TOLERATED_BASE_PATHS.has(path.toLowerCase())) {
    throw baseUrlError(text, `the path "${path}" is not allowed; only a trailing /, /api/v4 or /api/v4/ may follow the host`);
  }
  return { origin: parsed.origin, host: parsed.host, isLoopback };
}

/**
 * Resolves the action's `url` (a path relative to `{base}/api/v4/`) to an absolute URL on the base's origin.
 *
 * `leads`, `/leads`, `api/v4/leads` and `/api/v4/leads` all name `{origin}/api/v4/leads`. The query
 * string is kept as given, so Kommo's bracket filters (`filter[id][]=1`) arrive unchanged. Anything
 * that could take the request elsewhere (a scheme, `//host`, backslashes, `@`, `:`, percent-encoding
 * or dot segments in the path, control characters, non-ASCII look-alikes) is refused before any
 * request, and the composed URL is re-checked with {@link assertWithinAccountApi}.
 */
export function resolveApiUrl(base: AccountBase, url: unknown): URL {
  if (typeof url !== 'string' || url.trim() === '') {
    throw configError(
      `url is required: a path relative to ${base.origin}${API_ROOT}, e.g. "leads?limit=5" or "/api/v4/contacts/123";`
      + ` got ${typeof url === 'string' ? 'an empty string' : describeType(url)}.`,
    );
  }
  // Only spaces are trimmed: a tab or newline at the edge is as suspicious as one in the middle.
  const text = url.replace(/^ +| +$/g, '');
  const queryStart = text.indexOf('?');
  const pathPart = queryStart === -1 ? text : text.slice(0, queryStart);
  const query = queryStart === -1 ? '' : text.slice(queryStart);
  const relative = belowApiRoot(pathPart);
  const refusal = refusedAnywhere(text) ?? refusedPathStart(pathPart) ?? refusedPathCharacter(pathPart) ?? refusedSegments(relative);
  if (refusal !== undefined) throw requestUrlError(base, text, refusal);
  return assertWithinAccountApi(base, new URL(`${base.origin}${API_ROOT}${relative}${query}`));
}

/**
 * A trusted entity path the component builds (`leads`, `leads/123`, `leads/custom_fields`,
 * `events/types`, `leads/pipelines/5/statuses`): one to eight segments of ASCII letters, digits,
 * `_` and `-`, the first a name. Stricter than {@link resolveApiUrl}, which reads what a person
 * typed: no leading `/`, no `api/…` prefix, no dots, no query (it comes from the query encoder).
 */
const ENTITY_PATH = /^(?!api(?:\/|$))[A-Za-z][A-Za-z0-9_-]{0,63}(?:\/[A-Za-z0-9_-]{1,64}){0,7}$/;

/**
 * The URL of an entity path below the account's `/api/v4/`, with an already encoded query
 * (`encodeQuery`). An id that came from input and is not a plain id (`1/../x`, `5?x=1`) fails the
 * segment rule: a KommoConfigError naming the path, before any request.
 */
export function entityApiUrl(base: AccountBase, path: string, encodedQuery = ''): URL {
  if (typeof path !== 'string' || !ENTITY_PATH.test(path)) {
    throw configError(
      `The Kommo path ${echo(String(path))} is not valid: it must be segments of letters, digits, "_" and "-"`
      + ' separated by "/", relative to /api/v4/ (e.g. "leads" or "leads/123"). Check the id given in the input.',
    );
  }
  const search = encodedQuery === '' ? '' : `?${encodedQuery}`;
  return assertWithinAccountApi(base, new URL(`${base.origin}${API_ROOT}${path}${search}`));
}

/**
 * The last check before a URL gets the token: same origin as the Base URL (scheme, host, port),
 * no user info, and a path below `/api/v4/` (docs/kommo-api.md §11). {@link resolveApiUrl} ends with it;
 * the client may call it again right before attaching `Authorization`. Returns `candidate` unchanged.
 */
export function assertWithinAccountApi(base: AccountBase, candidate: URL): URL {
  const sameOrigin = candidate.origin === base.origin;
  const noUserInfo = candidate.username === '' && candidate.password === '';
  if (sameOrigin && noUserInfo && candidate.pathname.startsWith(API_ROOT)) return candidate;
  // Only origin and path are named: the query or user info may hold something private.
  throw configError(
    `Refusing to send a request to ${candidate.origin}${candidate.pathname}: url must be a path relative to`
    + ` ${base.origin}${API_ROOT}, and the access token is only ever sent to the Base URL's host (${base.host}).`,
  );
}

/** `scheme` and what follows `scheme://`; a bare host is read as https. */
function splitBaseScheme(text: string): { scheme: string; rest: string } {
  const withSlashes = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (withSlashes !== null) return { scheme: withSlashes[1].toLowerCase(), rest: withSlashes[2] };
  // `localhost:8080` is a host and port; `https:acme.kommo.com` or `javascript:…` is a scheme without `//`.
  if (SCHEME_PREFIX.test(text) && !/^[^:/]+:\d+(?:\/|$)/.test(text)) {
    throw baseUrlError(text, 'it has a scheme but no "//" after it');
  }
  // docs/kommo-api.md §1: Kommo's OAuth callback hands out the account as a bare host.
  return { scheme: 'https', rest: text };
}

/** The reason a Base URL contains a character it can never need, or undefined. */
function refusedBaseCharacters(text: string): string | undefined {
  if (text.includes('@')) return 'it must not contain a user name or password (the "…@" part)';
  if (text.includes('?') || text.includes('#')) return 'it must not contain a query (?) or fragment (#)';
  const unexpected = [...text].find((character) => !BASE_URL_CHARACTER.test(character));
  return unexpected === undefined ? undefined : `${describeCharacter(unexpected)} is not allowed in a Base URL`;
}

/** Host and port as the URL parser normalises them (lower case, default port dropped), or undefined. */
function parseAuthority(scheme: string, authority: string): URL | undefined {
  try {
    return new URL(`${scheme}://${authority}`);
  } catch {
    return undefined;
  }
}

/** `localhost`, `127.0.0.0/8` (any spelling the parser normalises to a dotted quad) or `[::1]`. */
function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Why `hostname` is not a Kommo account host, or undefined when it is one. */
function refusedAccountHost(hostname: string): string | undefined {
  if (ACCOUNT_HOST.test(hostname)) return undefined;
  if (FAMILY_DOMAINS.has(hostname)) return `"${hostname}" is the bare domain; put your account's subdomain in front of it`;
  if (hostname.startsWith('www.')) return `"${hostname}" is Kommo's shared site, not an account (docs/kommo-api.md §1)`;
  if (/^api-[a-z0-9-]+\./.test(hostname)) return `"${hostname}" is one of Kommo's shared API hosts, not an account (docs/kommo-api.md §11)`;
  if (hostname.startsWith('xn--')) return `"${hostname}" is an internationalised (punycode) name; Kommo account names are plain ASCII`;
  return `"${hostname}" is not a Kommo account host (one name in front of kommo.com, amocrm.com or amocrm.ru)`;
}

/** Why `text` is refused whatever part of it the problem is in, or undefined. */
function refusedAnywhere(text: string): string | undefined {
  const control = [...text].find(isControlCharacter);
  if (control !== undefined) return `it contains ${describeCharacter(control)}, which could inject headers or be silently dropped`;
  if (text.includes('#')) return 'it contains a fragment (#), which is never sent; percent-encode a literal # as %23';
  return undefined;
}

/** Why the path starts like something other than a path (`https:`, `evil.com:443`, `//host`), or undefined. */
function refusedPathStart(pathPart: string): string | undefined {
  if (SCHEME_PREFIX.test(pathPart)) return 'it starts with a scheme ("…:"), so it is an absolute URL, not a path';
  // The parser reads `\\` as `//` for http(s), so any two of them name a host.
  if (/^[/\\]{2}/.test(pathPart)) return 'it starts with two slashes, which name another host (//host)';
  return undefined;
}

/** Why a character of the path is refused, or undefined when all are plain path characters. */
function refusedPathCharacter(pathPart: string): string | undefined {
  const unexpected = [...pathPart].find((character) => !PATH_CHARACTER.test(character));
  return unexpected === undefined ? undefined : `${describeCharacter(unexpected)} is not allowed in the path${pathCharacterHint(unexpected)}`;
}

/** A short why for the characters attackers use, so the message teaches rather than just refuses. */
function pathCharacterHint(character: string): string {
  switch (character) {
    case '\\': return ' (a backslash is read as a slash, which could change the host)';
    case '@': return ' (it separates user info from a host)';
    case ':': return ' (it separates a scheme or a port)';
    case '%': return ' (percent-encoded paths could hide slashes or dot segments; put values in the query string)';
    default: return character.charCodeAt(0) > 0x7e ? ' (only ASCII letters, digits, "_", "-", "." and "/" are)' : '';
  }
}

/** The path below `/api/v4/` that `pathPart` names, without its leading `/`: `leads`, `/api/v4/leads` → `leads`. */
function belowApiRoot(pathPart: string): string {
  const withoutSlash = pathPart.startsWith('/') ? pathPart.slice(1) : pathPart;
  return withoutSlash === 'api/v4' ? '' : withoutSlash.replace(/^api\/v4\//, '');
}

/**
 * Why the segments below `/api/v4/` are refused, or undefined. `..` and `.` are refused rather
 * than normalised: a path that climbs is a mistake or an attack, never a Kommo endpoint.
 */
function refusedSegments(relative: string): string | undefined {
  const segments = relative.split('/');
  if (relative === '') return 'it names no endpoint below /api/v4/';
  if (segments[0] === 'api') return 'this component speaks Kommo API v4 only; paths start at /api/v4/';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'dot segments (. or ..) are not allowed';
  if (segments.slice(0, -1).some((segment) => segment === '')) return 'it contains an empty path segment (//)';
  return undefined;
}

/** A Base URL error in the house format: accepted forms, what was given, what was wrong. */
function baseUrlError(given: unknown, reason: string): Error {
  const shown = typeof given === 'string' && given.trim() !== '' ? echo(given) : 'nothing';
  return configError(`Base URL must be ${ACCEPTED_BASE_FORMS}; got ${shown}: ${reason}.`);
}

/** An action `url` error: what a url must be, where the token goes, what was given, what was wrong. */
function requestUrlError(base: AccountBase, given: string, reason: string): Error {
  // The query is not repeated: it can carry personal data (query=+15551234567).
  const queryStart = given.indexOf('?');
  const shown = queryStart === -1 ? given : `${given.slice(0, queryStart)}?…`;
  return configError(
    `url must be a path relative to ${base.origin}${API_ROOT} (e.g. "leads?limit=5" or "/api/v4/leads/123?with=contacts");`
    + ` the access token is only ever sent to the Base URL's host (${base.host}). Got ${echo(shown)}: ${reason}.`,
  );
}

/**
 * `text` as it may appear in a message: quoted with control characters escaped, shortened, and
 * with everything before the last `@` replaced, because that part may be a password.
 */
function echo(text: string): string {
  const at = text.lastIndexOf('@');
  // Keep `https://` so the message still reads as a URL; `user:` without slashes is user info, not a scheme.
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]{2}/i.exec(text)?.[0] ?? '';
  const redacted = at === -1 ? text : `${scheme}***${text.slice(at)}`;
  const short = redacted.length > MAX_ECHO_LENGTH ? `${redacted.slice(0, MAX_ECHO_LENGTH)}…` : redacted;
  return JSON.stringify(short);
}

/**
 * C0 controls, DEL, C1 controls and the Unicode line separators. CR/LF/NUL could split a header
 * line; the URL parser would silently delete a tab or newline instead of refusing it.
 */
function isControlCharacter(character: string): boolean {
  const codePoint = character.codePointAt(0) ?? 0;
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f) || codePoint === 0x2028 || codePoint === 0x2029;
}

/** A character named so that invisible and look-alike ones can be recognised. */
function describeCharacter(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const printable = codePoint > 0x20 && !isControlCharacter(character);
  return printable ? `the character "${character}" (${hex})` : `the invisible character ${hex}`;
}

/** `null`, `a number`, `an object`… for a value that should have been text. */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
