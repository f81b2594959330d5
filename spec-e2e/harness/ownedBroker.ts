/**
 * globalSetup and globalTeardown share one module registry only for globals, not for module
 * state, so the broker they share is kept on globalThis under a name nothing else uses.
 */
import type { RunningBroker } from './broker';

const KEY = Symbol.for('kommo-e2e.ownedBroker');
type Holder = { [KEY]?: RunningBroker };

export function setOwnedBroker(broker: RunningBroker): void {
  (globalThis as Holder)[KEY] = broker;
}

export function takeOwnedBroker(): RunningBroker | undefined {
  const holder = globalThis as Holder;
  const broker = holder[KEY];
  delete holder[KEY];
  return broker;
}
