/**
 * Diagnostic, run by hand (not part of `npm run bench`): one cold burst against the sandbox at
 * Kommo's 7/s with its ban rule, in a fresh process. Prints the status counts. Run it several
 * times, with and without CPU load (e.g. `yes > /dev/null &` twice), as BENCHMARKS.md describes:
 *
 *   for i in 1 2 3 4 5 6 7 8; do npx tsx bench/coldStart.ts; done
 */
import { processAction } from '../lib/actions/makeRawRequest';
import { DEFAULT_RATE_LIMIT, startSandbox } from '../sandbox';
import { recordingContext } from '../spec/helpers';

const CALLERS = 20;
const MESSAGES_PER_CALLER = 2;

async function main(): Promise<void> {
  const sandbox = await startSandbox({ rateLimit: { ...DEFAULT_RATE_LIMIT } });
  const cfg = { oauth: { access_token: sandbox.accessToken }, baseUrl: sandbox.baseUrl, retries: '0' };
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    for (let index = 0; index < MESSAGES_PER_CALLER; index += 1) {
      await processAction.call(recordingContext(), { body: { method: 'GET', url: 'account' } }, cfg).catch(() => undefined);
    }
  }));
  const count = (status: number) => sandbox.requestLog.filter((entry) => entry.status === status).length;
  console.log(`200=${count(200)} 429=${count(429)} 403=${count(403)}`);
  await sandbox.close();
}

void main();
