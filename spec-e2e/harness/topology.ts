/**
 * The queues and exchanges the platform would have around one flow step, under a unique prefix
 * per scenario so scenarios sharing the run's broker never see each other's messages.
 *
 * The input queue dead-letters into a "rejected" queue: sailor acks a message that succeeded
 * and rejects (requeue=false) one whose processing emitted an error, so "acked" and "rejected"
 * become observable as "gone" and "arrived in rejected".
 */
import { randomBytes } from 'crypto';
import type { Channel } from 'amqplib';

export type OutputKind = 'data' | 'error' | 'snapshot' | 'rebound';
export const OUTPUT_KINDS: readonly OutputKind[] = ['data', 'error', 'snapshot', 'rebound'];

export interface StepTopology {
  prefix: string;
  /** ELASTICIO_LISTEN_MESSAGES_ON */
  inputQueue: string;
  /** ELASTICIO_PUBLISH_MESSAGES_TO: a durable direct exchange. */
  publishExchange: string;
  /** ELASTICIO_<KIND>_ROUTING_KEY, each bound to `queues[kind]`. */
  routingKeys: Record<OutputKind, string>;
  queues: Record<OutputKind, string>;
  deadLetterExchange: string;
  rejectedQueue: string;
}

export function stepTopology(scenario: string): StepTopology {
  const prefix = `e2e.${scenario}.${randomBytes(4).toString('hex')}`;
  const byKind = (suffix: string): Record<OutputKind, string> =>
    Object.fromEntries(OUTPUT_KINDS.map((kind) => [kind, `${prefix}.${kind}${suffix}`])) as Record<OutputKind, string>;
  return {
    prefix,
    inputQueue: `${prefix}.input`,
    publishExchange: `${prefix}.publish`,
    routingKeys: byKind('.key'),
    queues: byKind(''),
    deadLetterExchange: `${prefix}.dlx`,
    rejectedQueue: `${prefix}.rejected`,
  };
}

export async function declareTopology(channel: Channel, topology: StepTopology): Promise<void> {
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: false });
  await channel.assertQueue(topology.rejectedQueue, { durable: false });
  await channel.bindQueue(topology.rejectedQueue, topology.deadLetterExchange, '');
  await channel.assertQueue(topology.inputQueue, {
    durable: false,
    arguments: { 'x-dead-letter-exchange': topology.deadLetterExchange },
  });
  // Durable because that is how the platform declares it; sailor only publishes to it.
  await channel.assertExchange(topology.publishExchange, 'direct', { durable: true });
  for (const kind of OUTPUT_KINDS) {
    await channel.assertQueue(topology.queues[kind], { durable: false });
    await channel.bindQueue(topology.queues[kind], topology.publishExchange, topology.routingKeys[kind]);
  }
}

export async function deleteTopology(channel: Channel, topology: StepTopology): Promise<void> {
  for (const queue of [topology.inputQueue, topology.rejectedQueue, ...OUTPUT_KINDS.map((kind) => topology.queues[kind])]) {
    await channel.deleteQueue(queue);
  }
  await channel.deleteExchange(topology.publishExchange);
  await channel.deleteExchange(topology.deadLetterExchange);
}
