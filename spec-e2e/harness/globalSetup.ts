/** Starts the run's single broker (unless E2E_AMQP_URI names one) and hands its URI to the scenarios. */
import { execFileSync } from 'child_process';
import { startBroker } from './broker';
import { setOwnedBroker } from './ownedBroker';
import { nodeBinary } from './sailorProcess';

export default async function globalSetup(): Promise<void> {
  // Which Node runs what, in the CI log: the suite runs once per supported Node version.
  const sailorNode = execFileSync(nodeBinary(), ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\ne2e: jest on Node ${process.version}; sailor and the component on Node ${sailorNode} (${nodeBinary()})`);
  if (process.env.E2E_AMQP_URI) return;
  const started = Date.now();
  const broker = await startBroker();
  setOwnedBroker(broker);
  // The scenarios run in this process (--runInBand) or in workers forked after this point:
  // both inherit process.env.
  process.env.E2E_AMQP_URI = broker.uri;
  console.log(`e2e: RabbitMQ ${broker.uri} ready in ${Date.now() - started} ms`);
}
