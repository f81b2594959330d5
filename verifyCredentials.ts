/**
 * Checks a Kommo credential with one `GET /api/v4/account`. A person is waiting on the button,
 * so it retries at most once with short timeouts: done within 20 s. A failure throws an Error
 * whose message says why (sailor reports it as `{verified: false, reason}`).
 */
import type { CredentialConfig } from './lib/client/auth';
import { VERIFY } from './lib/client/options';
import { service } from './lib/step';

export = service<CredentialConfig, [], { verified: true }>({
  clientOverrides: { maxRetries: VERIFY.maxRetries, requestTimeoutMs: VERIFY.requestTimeoutMs, retryBudgetMs: VERIFY.retryBudgetMs },

  async run({ client }) {
    await (await client()).get('account');
    return { verified: true };
  },
});
