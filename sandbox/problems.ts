/**
 * Error bodies in Kommo's shapes: problem+json for API errors (docs/kommo-api.md §4), the OAuth
 * problem for the token endpoint (docs/kommo-api.md §2.4) and the nginx HTML page of a ban (docs/kommo-api.md §3).
 */
import { randomBytes } from 'crypto';

/** One entry of a problem's `validation-errors` (docs/kommo-api.md §4). */
export interface ValidationError {
  request_id: string;
  errors: Array<{ code: string; path: string; detail: string }>;
}

/** A problem+json body; extra members (e.g. `retry_after`, `hint`) are allowed. */
export interface Problem {
  title: string;
  type: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? `HTTP ${status}`;
}

/** Kommo's generic problem: `type` points at httpstatus.es (docs/kommo-api.md §4). */
export function problem(status: number, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { title: statusTitle(status), type: `https://httpstatus.es/${status}`, status, detail, ...extra };
}

/** The exact 401 for a missing, bad, revoked or expired access token (docs/kommo-api.md §2.4). */
export function unauthorizedProblem(): Problem {
  return problem(401, 'Invalid user name or password');
}

export function validationProblem(errors: ValidationError[]): Problem {
  return problem(400, 'Request validation failed', { 'validation-errors': errors });
}

/** 500s carry a `trace_id` (docs/kommo-api.md §4). */
export function serverErrorProblem(status: number): Problem {
  const extra = status === 500 ? { trace_id: randomBytes(8).toString('hex') } : {};
  return problem(status, status === 500 ? 'Internal server error' : statusTitle(status), extra);
}

/** The token endpoint's problem shape, Russian title included, as observed (docs/kommo-api.md §2.4). */
export function oauthProblem(status: 400 | 401, hint: string): Problem {
  return {
    hint,
    title: 'Некорректный запрос',
    type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
    status,
    detail: 'В запросе отсутствует ряд параметров или параметры невалидны',
  };
}

/** The page a banned client gets on every request: HTML, not JSON (docs/kommo-api.md §3, docs/kommo-api.md §10.9). */
export const NGINX_FORBIDDEN_HTML = [
  '<html>',
  '<head><title>403 Forbidden</title></head>',
  '<body>',
  '<center><h1>403 Forbidden</h1></center>',
  '<hr><center>nginx</center>',
  '</body>',
  '</html>',
  '',
].join('\r\n');

/**
 * Kommo's second 400 shape: a map from entity id to a reason, with the fixed detail
 * "Invalid request body" (docs/kommo-fidelity.md #10).
 */
export function errorsMapProblem(errors: Record<string, string>): Problem {
  return problem(400, 'Invalid request body', { errors });
}
