/**
 * Sailor's one-shot service runner (`runService.js <method>`), as the platform runs it when a
 * user presses "Verify" on a credential: cfg in ELASTICIO_CFG, the answer POSTed to
 * ELASTICIO_POST_RESULT_URL.
 */
import type { StepIdentity } from './bus';
import type { StepPlatform } from './platform';
import { baseEnv, forkSailor, type Exit } from './sailorProcess';

export interface ServiceRun {
  exit: Exit;
  /** What the service runner POSTed (it POSTs once; more would be a finding). */
  posted: unknown[];
  output: string;
}

export async function runService(
  method: 'verifyCredentials',
  cfg: Record<string, unknown>,
  platform: StepPlatform,
  identity: StepIdentity,
  componentRoot?: string,
  timeoutMs = 30_000,
): Promise<ServiceRun> {
  const result = platform.resultUrl();
  const env = baseEnv(
    identity,
    { apiUri: platform.fake.url, username: platform.fake.username, apiKey: platform.fake.apiKey },
    { ELASTICIO_POST_RESULT_URL: result.url, ELASTICIO_CFG: JSON.stringify(cfg) },
  );
  const { child, output, exited } = forkSailor('runService.js', [method], env, componentRoot);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((done) => (timer = setTimeout(() => done('hung'), timeoutMs)));
  const outcome = await Promise.race([exited, hung]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`runService.js ${method} did not exit within ${timeoutMs} ms; its output:\n${output()}`);
  }
  return { exit: outcome, posted: result.posted(), output: output() };
}
