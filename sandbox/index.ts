/**
 * Kommo API v4 sandbox and fake elastic.io platform: real HTTP servers on 127.0.0.1 for tests,
 * end-to-end runs and benchmarks. Behaviour follows docs/kommo-api.md and docs/kommo-fidelity.md (see sandbox/README.md).
 */
export { startSandbox } from './server';
export { startFakePlatform } from './platform';
export { DEFAULT_RATE_LIMIT } from './rateLimit';
export { NGINX_FORBIDDEN_HTML } from './problems';
export { ChangeFeed } from './changes';
export type { ChangeAction, ChangeListener, EntityChange } from './changes';
export { ACCOUNT_ID, SUBDOMAIN, CURRENT_USER_ID } from './seed';
export type { ApiRequest, Handler, Route } from './routes';
export type {
  CustomFieldKind,
  CustomersMode,
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
  SandboxKnobs,
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
