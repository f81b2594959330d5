/**
 * Checks a Kommo credential with one `GET /api/v4/account`. A person is waiting on the button,
 * so it retries at most once with short timeouts: done within 20 s. A failure throws an Error
 * whose message says why (sailor reports it as `{verified: false, reason}`).
 */
import type { ComponentContext } from './lib/context';
import type { CredentialConfig } from './lib/client/auth';
import { createKommoClient } from './lib/client/KommoClient';
import { VERIFY } from './lib/client/options';

export = async function verifyCredentials(this: ComponentContext, cfg: CredentialConfig): Promise<{ verified: true }> {
  const client = await createKommoClient(cfg, {
    logger: this.logger,
    overrides: { maxRetries: VERIFY.maxRetries, requestTimeoutMs: VERIFY.requestTimeoutMs, retryBudgetMs: VERIFY.retryBudgetMs },
  });
  await client.request({ method: 'GET', url: 'account' });
  return { verified: true };
};
