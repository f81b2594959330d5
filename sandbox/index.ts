/**
 * Kommo API v4 sandbox and fake elastic.io platform: real HTTP servers on 127.0.0.1 for tests,
 * end-to-end runs and benchmarks. Behaviour follows /work/shared/reference/kommo-api.md.
 */
export { startSandbox } from './server';
export { startFakePlatform } from './platform';
export { DEFAULT_RATE_LIMIT } from './rateLimit';
export { NGINX_FORBIDDEN_HTML } from './problems';
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
export type {
  JournalEvent,
  SandboxWebhooks,
  WebhookDelivery,
  WebhookDeliveryOutcome,
  WebhookDispatchSettings,
  WebhookSubscription,
} from './webhookTypes';
