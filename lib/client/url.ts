/**
 * Base URL rules and path composition. PLACEHOLDER interface, implemented by the url work.
 */
import { configError } from './errors';

/** A validated Kommo account base: the origin every request (and the token) goes to. */
export interface AccountBase {
  /** `https://acme.kommo.com` or, for loopback testing, `http://127.0.0.1:8080`. */
  origin: string;
}

/** Validates and normalises the credential's Base URL. */
export function parseBaseUrl(raw: unknown): AccountBase {
  throw configError(`not implemented: ${String(raw)}`);
}

/** Resolves the action's `url` (a path relative to `{base}/api/v4/`) to an absolute URL on the base's origin. */
export function resolveApiUrl(base: AccountBase, url: unknown): URL {
  throw configError(`not implemented: ${base.origin} ${String(url)}`);
}
