/**
 * One RabbitMQ broker for the whole e2e run, started by jest's globalSetup through
 * scripts/rabbitmq.sh (which installs and runs it; see the comment at its top), and found by
 * the scenarios through `E2E_AMQP_URI`. Setting `E2E_AMQP_URI` before the run uses that broker
 * instead (e.g. a CI service container) and starts nothing.
 */
import { execFile } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { connect } from 'amqplib';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../scripts/rabbitmq.sh');

export interface RunningBroker {
  uri: string;
  stop(): Promise<void>;
}

/** Starts a private broker whose whole state lives in a fresh temp dir; resolves once it accepts AMQP. */
export async function startBroker(): Promise<RunningBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'kommo-e2e-rabbitmq-'));
  const stop = async (): Promise<void> => {
    await run(SCRIPT, ['stop', dir], { timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { stdout } = await run(SCRIPT, ['start', dir], { timeout: 180_000 });
    const uri = stdout.trim().split('\n').pop() ?? '';
    await waitForAmqp(uri, 30_000);
    return { uri, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** A listening socket is not yet a working broker: retry a real AMQP handshake. */
export async function waitForAmqp(uri: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect(uri);
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

/** The broker URI the scenarios use. */
export function amqpUri(): string {
  const uri = process.env.E2E_AMQP_URI;
  if (!uri) {
    throw new Error('E2E_AMQP_URI is not set: run the e2e suite through spec-e2e/jest.config.js (its globalSetup starts a broker)');
  }
  return uri;
}
