/** Stops the broker globalSetup started, if it started one. */
import { takeOwnedBroker } from './ownedBroker';

export default async function globalTeardown(): Promise<void> {
  await takeOwnedBroker()?.stop();
}
