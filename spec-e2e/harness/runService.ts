/**
 * Sailor's one-shot service runner (`runService.js <method>`), as the platform runs it when a
 * user presses "Verify" on a credential, or when the designer asks a step for its metadata
 * (`getMetaModel`) or a dropdown's options (`selectModel`): cfg in ELASTICIO_CFG, the action or
 * trigger in ELASTICIO_ACTION_OR_TRIGGER, the model's function in ELASTICIO_GET_MODEL_METHOD,
 * the answer POSTed to ELASTICIO_POST_RESULT_URL.
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

/** A `getMetaModel` or `selectModel` call: which action or trigger, and (select models) which function. */
export interface ModelTarget {
  actionOrTrigger: string;
  /** The select model's function name (`getObjectTypes`, …); only for `selectModel`. */
  getModelMethod?: string;
}

export async function runService(
  method: 'verifyCredentials' | 'getMetaModel' | 'selectModel',
  cfg: Record<string, unknown>,
  platform: StepPlatform,
  identity: StepIdentity,
  componentRoot?: string,
  timeoutMs = 30_000,
  target?: ModelTarget,
): Promise<ServiceRun> {
  const result = platform.resultUrl();
  const env = baseEnv(
    identity,
    { apiUri: platform.fake.url, username: platform.fake.username, apiKey: platform.fake.apiKey },
    {
      ELASTICIO_POST_RESULT_URL: result.url,
      ELASTICIO_CFG: JSON.stringify(cfg),
      ...(target ? { ELASTICIO_ACTION_OR_TRIGGER: target.actionOrTrigger } : {}),
      ...(target?.getModelMethod ? { ELASTICIO_GET_MODEL_METHOD: target.getModelMethod } : {}),
    },
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
