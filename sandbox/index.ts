/**
 * Kommo API v4 sandbox and fake elastic.io platform: real HTTP servers on 127.0.0.1 for tests,
 * end-to-end runs and benchmarks. Behaviour follows /work/shared/reference/kommo-api.md.
 */
export { startSandbox } from './server';
export { startFakePlatform } from './platform';
export { DEFAULT_RATE_LIMIT } from './rateLimit';
export { NGINX_FORBIDDEN_HTML } from './problems';
export { ChangeFeed } from './changes';
export type { ChangeAction, ChangeListener, EntityChange } from './changes';
export { ACCOUNT_ID, SUBDOMAIN, CURRENT_USER_ID } from './seed';
export type {
  EntityKind,
  Fault,
  FakePlatform,
  FakePlatformOptions,
  PlatformCall,
  PlatformRouteHandler,
  PlatformRouteResult,
  PlatformSecretSeed,
  RateLimitSettings,
  RequestLogEntry,
  Sandbox,
  SandboxOptions,
} from './types';
