/**
 * The platform's side of the step's queues: publishes encrypted input messages the way the
 * previous step would, and records everything sailor publishes (decrypted) plus every input the
 * broker dead-lettered because sailor rejected it.
 */
import { randomUUID } from 'crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { MessageCipher } from './crypto';
import { waitUntil } from './wait';
import { declareTopology, deleteTopology, OUTPUT_KINDS, type StepTopology } from './topology';

/** The decrypted message sailor hands to `process` and publishes: `{id, body, headers, ...}`. */
export interface StepMessage {
  id?: string;
  body: Record<string, unknown>;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface DataOutput {
  /** AMQP header `parentMessageId`: the `messageId` of the input that produced it. */
  parentMessageId: string;
  headers: Record<string, unknown>;
  message: StepMessage;
}

export interface ErrorOutput {
  parentMessageId: string;
  headers: Record<string, unknown>;
  error: { name: string; message: string; stack?: string };
  /** The input message as sailor received it, decrypted. */
  errorInput: StepMessage | null;
}

export interface RejectedInput {
  messageId: string;
  message: StepMessage;
}

export interface SentInput {
  /** The AMQP `messageId` header (sailor copies it to its outputs' `parentMessageId`). */
  messageId: string;
  /** The message's own `id` field. */
  id: string;
}

export interface StepIdentity {
  flowId: string;
  stepId: string;
  execId: string;
  userId: string;
  workspaceId: string;
}

export class MessageBus {
  readonly data: DataOutput[] = [];
  readonly errors: ErrorOutput[] = [];
  readonly rejected: RejectedInput[] = [];
  readonly snapshots: unknown[] = [];
  readonly rebounds: Array<Record<string, unknown>> = [];
  /** Flush markers seen (see `flush`). */
  private readonly markers = new Set<string>();

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
    readonly topology: StepTopology,
    private readonly cipher: MessageCipher,
    private readonly identity: StepIdentity,
  ) {}

  static async open(uri: string, topology: StepTopology, cipher: MessageCipher, identity: StepIdentity): Promise<MessageBus> {
    const connection = await connect(uri);
    const channel = await connection.createChannel();
    await declareTopology(channel, topology);
    const bus = new MessageBus(connection, channel, topology, cipher, identity);
    // Flush markers (see `flush`) arrive on every queue and are recorded apart from real messages.
    const record = (queue: string, keep: (msg: ConsumeMessage) => void): Promise<void> =>
      bus.consume(queue, (msg) => {
        const marker = msg.properties.headers?.e2eMarker;
        if (marker) bus.markers.add(String(marker));
        else keep(msg);
      });
    await record(topology.queues.data, (msg) => bus.data.push(bus.toData(msg)));
    await record(topology.queues.error, (msg) => bus.errors.push(bus.toError(msg)));
    await record(topology.rejectedQueue, (msg) => bus.rejected.push(bus.toRejected(msg)));
    // Snapshots are plain JSON (§1.4), never encrypted.
    await record(topology.queues.snapshot, (msg) => bus.snapshots.push(JSON.parse(msg.content.toString()) as unknown));
    await record(topology.queues.rebound, (msg) => bus.rebounds.push(msg.properties.headers ?? {}));
    return bus;
  }

  /** Publish one input message; every input carries a `messageId` header (sailor 2.7.8 needs it, §4.1). */
  send(body: Record<string, unknown>, id: string = randomUUID()): SentInput {
    return this.publish({ id, body, headers: {}, attachments: {} });
  }

  /**
   * Publish a whole step message as the platform builds it, e.g. the webhook gateway's
   * `{id, body, headers, query, method, url, additionalUrlPath}` (its body may be a string).
   */
  publish(message: Omit<StepMessage, 'body'> & { id: string; body: unknown }): SentInput {
    const { id } = message;
    const messageId = randomUUID();
    this.channel.sendToQueue(this.topology.inputQueue, this.cipher.encrypt(message), {
      contentType: 'application/json',
      contentEncoding: 'utf8',
      headers: {
        messageId,
        threadId: randomUUID(),
        taskId: this.identity.flowId,
        stepId: 'step_0',
        execId: this.identity.execId,
        userId: this.identity.userId,
        workspaceId: this.identity.workspaceId,
        protocolVersion: 1,
      },
    });
    return { messageId, id };
  }

  /** Everything published for one input: its data and error messages. */
  outputsOf(input: SentInput): { data: DataOutput[]; errors: ErrorOutput[] } {
    return {
      data: this.data.filter((out) => out.parentMessageId === input.messageId),
      errors: this.errors.filter((out) => out.parentMessageId === input.messageId),
    };
  }

  /**
   * Once sailor has exited, everything it published or dead-lettered is in our queues. A marker
   * sent into each queue after that point reaches our consumer after those messages (queues are
   * FIFO), so when all markers are back, the recorded outputs are complete: a late duplicate
   * cannot slip past the assertions.
   */
  async flush(timeoutMs = 5_000): Promise<void> {
    const queues = [this.topology.rejectedQueue, ...OUTPUT_KINDS.map((kind) => this.topology.queues[kind])];
    const markers = queues.map((queue) => {
      const marker = randomUUID();
      this.channel.sendToQueue(queue, Buffer.from('{}'), { headers: { e2eMarker: marker } });
      return marker;
    });
    await waitUntil(() => markers.every((marker) => this.markers.has(marker)), 'the flush markers', timeoutMs);
  }

  /** Messages still waiting in the input queue (not counting one delivered and unacked). */
  async inputQueueDepth(): Promise<number> {
    return (await this.channel.checkQueue(this.topology.inputQueue)).messageCount;
  }

  async close(): Promise<void> {
    await deleteTopology(this.channel, this.topology).catch(() => undefined);
    await this.connection.close();
  }

  private async consume(queue: string, record: (msg: ConsumeMessage) => void): Promise<void> {
    await this.channel.consume(queue, (msg) => {
      if (msg) record(msg);
    }, { noAck: true });
  }

  private toData(msg: ConsumeMessage): DataOutput {
    const headers = msg.properties.headers ?? {};
    return { parentMessageId: String(headers.parentMessageId), headers, message: this.cipher.decrypt(msg.content) as StepMessage };
  }

  private toError(msg: ConsumeMessage): ErrorOutput {
    const headers = msg.properties.headers ?? {};
    // The error payload is JSON whose fields are each protocol-1 ciphertext (§1.4).
    const payload = JSON.parse(msg.content.toString()) as { error: string; errorInput?: string };
    return {
      parentMessageId: String(headers.parentMessageId),
      headers,
      error: this.cipher.decrypt(payload.error) as ErrorOutput['error'],
      errorInput: payload.errorInput ? (this.cipher.decrypt(payload.errorInput) as StepMessage) : null,
    };
  }

  private toRejected(msg: ConsumeMessage): RejectedInput {
    const headers = msg.properties.headers ?? {};
    return { messageId: String(headers.messageId), message: this.cipher.decrypt(msg.content) as StepMessage };
  }
}
