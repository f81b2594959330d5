/**
 * The wrapper every action and trigger goes through, and the one way step fields are read.
 *
 * `step({run})` turns a handler into sailor's `process(msg, cfg, snapshot)`: it hands the handler
 * the message body and a {@link StepContext} (the client for `cfg`'s credential, built on first
 * use; `emitData`/`emitSnapshot` for triggers and `emitIndividually`; `rebound`), wraps what the
 * handler returns as the outgoing message, and never emits `end` (sailor does, docs/elasticio-platform.md
 * §1.3). `service({run})` does the same for calls that return a value instead of a message:
 * verifyCredentials, getMetaModel, select models and the startup/shutdown hooks.
 *
 * Both return a handler with `withDeps(deps)`: the same handler with injected collaborators (a
 * transport, a limiter, a clock and sleep, or a whole fake client), so a unit test drives the
 * real handler without sockets or real time.
 */
import type { CredentialConfig } from './client/auth';
import { configError, KommoBlockedError, KommoRateLimitError } from './client/errors';
import { ClientDeps, createKommoClient, KommoApi } from './client/KommoClient';
import { Bounds, describeBounds, isRetrieveSample, parseBounded } from './client/options';
import type { ComponentContext, Logger, Message } from './context';
import { newMessage } from './context';

/** Collaborators a step's client is built from; the process's defaults when absent. */
export interface StepDeps extends Omit<ClientDeps, 'logger' | 'overrides'> {
  /** Builds the client; replace it to hand the handler a fake {@link KommoApi}. */
  connect?: (cfg: CredentialConfig, deps: ClientDeps) => Promise<KommoApi>;
}

/** What every handler gets besides its input. */
export interface HandlerContext<Cfg> {
  /** The step's configuration as sailor passed it (credential fields and step fields). */
  readonly cfg: Cfg;
  /** The runtime's logger; log strings only. */
  readonly logger: Logger;
  /**
   * The client for the credential in `cfg`, built on first call and then reused. Build it after
   * checking the input: building reads the credential secret, and bad input must fail first.
   */
  client(): Promise<KommoApi>;
}

/** What an action's or trigger's handler gets besides the message body. */
export interface StepContext<Cfg> extends HandlerContext<Cfg> {
  /** The incoming message as sailor delivered it (a trigger's tick may be `{}`). */
  readonly message: Message;
  /** The step's snapshot (polling triggers); `{}` when there is none. */
  readonly snapshot: Readonly<Record<string, unknown>>;
  /** The platform runs this call to retrieve a sample (`ELASTICIO_FLOW_TYPE=debug`, read from the deps' `env`). */
  readonly retrieveSample: boolean;
  /** Emits one data message with this body (triggers, `emitIndividually`); then return nothing or a last body. */
  emitData(body: unknown): Promise<void>;
  /** Replaces the step's snapshot. Emit it after the data it accounts for: it is kept even if the step fails later. */
  emitSnapshot(snapshot: Record<string, unknown>): Promise<void>;
  /**
   * Puts the incoming message back for a later retry (docs/elasticio-triggers.md §6) and resolves
   * to `undefined`, so a handler ends with `return step.rebound(reason)`. Refused once data was
   * emitted: the retry would emit it again.
   */
  rebound(reason: Error): Promise<undefined>;
}

/** A step: its handler and what it asks of the wrapper. */
export interface StepDefinition<Cfg, Out> {
  /**
   * Handles one message: returns the body of the one outgoing message, or nothing (after
   * emitting its messages itself, or to emit none). Throws to fail the message.
   */
  run(body: unknown, step: StepContext<Cfg>): Promise<Out | undefined | void>;
  /**
   * When true for `cfg`, a KommoRateLimitError (a wait longer than the component may block) or a
   * KommoBlockedError (Kommo blocks the account for a while) before any emitted data becomes a
   * rebound instead of a failure: the platform re-delivers the message later.
   */
  reboundOnRateLimit?: (cfg: Cfg) => boolean;
  /** Client settings for this step (e.g. fewer retries). */
  clientOverrides?: ClientDeps['overrides'];
}

/** Sailor's `process(msg, cfg, snapshot)`, with {@link StepHandler.withDeps} for tests. */
export interface StepHandler<Cfg, Out> {
  (this: ComponentContext, msg: Message | undefined, cfg: Cfg, snapshot?: unknown): Promise<Message<Out> | undefined>;
  /** The same handler with collaborators replaced (merged over those given before). */
  withDeps(deps: StepDeps): StepHandler<Cfg, Out>;
}

/** A service call: its handler (arguments after `cfg` as sailor passes them) and client settings. */
export interface ServiceDefinition<Cfg, Args extends unknown[], Out> {
  run(context: HandlerContext<Cfg>, ...args: Args): Promise<Out>;
  clientOverrides?: ClientDeps['overrides'];
}

/**
 * A service call as sailor makes it: `fn.call(serviceExec, cfg, …)` for verifyCredentials,
 * getMetaModel and select models; hooks are called without a logger on `this`.
 */
export interface ServiceHandler<Cfg, Args extends unknown[], Out> {
  (this: Partial<ComponentContext> | undefined, cfg: Cfg, ...args: Args): Promise<Out>;
  withDeps(deps: StepDeps): ServiceHandler<Cfg, Args, Out>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLogger(value: unknown): value is Logger {
  return isRecord(value) && ['trace', 'debug', 'info', 'warn', 'error'].every((level) => typeof value[level] === 'function');
}

/** Hooks get no sailor logger: one line per call to stdout, as sailor's own lines go. */
const standaloneLogger: Logger = {
  trace: (message) => process.stdout.write(`TRACE ${message}\n`),
  debug: (message) => process.stdout.write(`DEBUG ${message}\n`),
  info: (message) => process.stdout.write(`INFO ${message}\n`),
  warn: (message) => process.stdout.write(`WARN ${message}\n`),
  error: (message) => process.stdout.write(`ERROR ${message}\n`),
};

/** A client built once per handler call, on first use. */
function lazyClient(cfg: CredentialConfig, logger: Logger, deps: StepDeps, overrides: ClientDeps['overrides']): () => Promise<KommoApi> {
  let client: Promise<KommoApi> | undefined;
  const { connect = createKommoClient, ...clientDeps } = deps;
  return () => {
    client ??= connect(cfg, { ...clientDeps, logger, ...(overrides ? { overrides } : {}) });
    return client;
  };
}

/** Wraps an action's or trigger's handler as sailor's `process`. */
export function step<Cfg extends CredentialConfig, Out>(definition: StepDefinition<Cfg, Out>): StepHandler<Cfg, Out> {
  const bind = (deps: StepDeps): StepHandler<Cfg, Out> => {
    async function processStep(this: ComponentContext, msg: Message | undefined, cfg: Cfg, snapshot?: unknown): Promise<Message<Out> | undefined> {
      const message: Message = msg ?? { body: {} };
      let emittedData = 0;
      let rebounded = false;
      const rebound = async (reason: Error): Promise<undefined> => {
        if (emittedData > 0) throw reason; // a rebound would emit the same data again
        rebounded = true;
        await this.emit('rebound', reason);
        return undefined;
      };
      const context: StepContext<Cfg> = {
        cfg,
        message,
        snapshot: isRecord(snapshot) ? snapshot : {},
        retrieveSample: isRetrieveSample(deps.env),
        logger: this.logger,
        client: lazyClient(cfg, this.logger, deps, definition.clientOverrides),
        emitData: async (body) => {
          emittedData += 1;
          await this.emit('data', newMessage(body));
        },
        emitSnapshot: async (next) => {
          await this.emit('snapshot', next);
        },
        rebound,
      };
      try {
        const body = await definition.run(message.body, context);
        return rebounded || body === undefined || body === null ? undefined : newMessage(body as Out);
      } catch (error) {
        if ((error instanceof KommoRateLimitError || error instanceof KommoBlockedError) && !rebounded && definition.reboundOnRateLimit?.(cfg)) return rebound(error);
        throw error;
      }
    }
    return Object.assign(processStep, { withDeps: (more: StepDeps) => bind({ ...deps, ...more }) });
  };
  return bind({});
}

/** Wraps a service call (verifyCredentials, getMetaModel, a select model, a hook). */
export function service<Cfg extends CredentialConfig, Args extends unknown[], Out>(
  definition: ServiceDefinition<Cfg, Args, Out>,
): ServiceHandler<Cfg, Args, Out> {
  const bind = (deps: StepDeps): ServiceHandler<Cfg, Args, Out> => {
    async function serviceCall(this: Partial<ComponentContext> | undefined, cfg: Cfg, ...args: Args): Promise<Out> {
      const logger = isLogger(this?.logger) ? this.logger : standaloneLogger;
      const client = lazyClient(cfg, logger, deps, definition.clientOverrides);
      return definition.run({ cfg, logger, client }, ...args);
    }
    return Object.assign(serviceCall, { withDeps: (more: StepDeps) => bind({ ...deps, ...more }) });
  };
  return bind({});
}

// ---------------------------------------------------------------------------------------------
// Field readers: every step reads checkboxes, numbers, choices and its input object these ways.

/** A checkbox is on when it is `true`, or `"true"` (mapped values arrive as text). */
export function readCheckbox(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A whole-number field: its label (as the user sees it) and range. */
export interface NumberField extends Bounds {
  label: string;
  defaultValue?: number;
  required?: boolean;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Reads a whole number within the field's range (given as a number or as text); absent (`''`,
 * `null`, `undefined`) gives the default, or an error naming the label when required. Anything
 * else is a KommoConfigError naming the label, the range and what was given.
 */
export function readNumber(value: unknown, field: NumberField & ({ defaultValue: number } | { required: true })): number;
export function readNumber(value: unknown, field: NumberField): number | undefined;
export function readNumber(value: unknown, field: NumberField): number | undefined {
  if (absent(value)) {
    if (field.defaultValue === undefined && field.required) {
      throw configError(`${field.label} is required: a whole number ${describeBounds(field)}.`);
    }
    return field.defaultValue;
  }
  return parseBounded(value, field, field.label);
}

/** A choice field: its label and the values it allows, canonical spelling first. */
export interface EnumField<T extends string> {
  label: string;
  values: readonly T[];
  defaultValue?: T;
  required?: boolean;
  /** Accept any letter case (Make Raw Request's `get`), answering the canonical value. */
  ignoreCase?: boolean;
}

/**
 * Reads one of the field's values (surrounding spaces ignored). Absent gives the default, or an
 * error when required; any other value is a KommoConfigError listing the allowed values.
 */
export function readEnum<T extends string>(value: unknown, field: EnumField<T> & ({ defaultValue: T } | { required: true })): T;
export function readEnum<T extends string>(value: unknown, field: EnumField<T>): T | undefined;
export function readEnum<T extends string>(value: unknown, field: EnumField<T>): T | undefined {
  if (absent(value) && (field.defaultValue !== undefined || !field.required)) return field.defaultValue;
  const text = typeof value === 'string' ? value.trim() : undefined;
  const match = text === undefined ? undefined
    : field.values.find((allowed) => allowed === text || (field.ignoreCase === true && allowed.toLowerCase() === text.toLowerCase()));
  if (match !== undefined) return match;
  const given = value === undefined || value === null || value === '' ? 'nothing' : JSON.stringify(value);
  throw configError(`${field.label} must be one of ${field.values.join(', ')}; got ${given}.`);
}

/** The part of an input schema (`metadata.in`) that names its properties. */
export interface InputShape {
  properties: Readonly<Record<string, { title?: string }>>;
}

/**
 * Reads a message body as the step's input object: a non-object counts as `{}`, and a key the
 * schema does not have is a KommoConfigError before any request, naming the right key when it
 * can tell (same letters in another case, or a `misplaced` entry such as `{body: 'data'}`)
 * and listing the keys the step reads. Without this, a value under a wrong key is silently lost.
 */
export function readInput(body: unknown, shape: InputShape, misplaced: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  const input = isRecord(body) ? body : {};
  const known = Object.keys(shape.properties);
  const unknown = Object.keys(input).filter((key) => !Object.prototype.hasOwnProperty.call(shape.properties, key));
  if (unknown.length === 0) return input;
  const described = unknown.map((key) => {
    const right = Object.prototype.hasOwnProperty.call(misplaced, key) ? misplaced[key]
      : known.find((name) => name.toLowerCase() === key.toLowerCase());
    if (right === undefined) return `"${key}"`;
    const title = shape.properties[right]?.title;
    return `"${key}" (use "${right}"${title ? `, ${title},` : ''} instead)`;
  });
  throw configError(`The input has ${unknown.length === 1 ? 'a key' : 'keys'} this step does not read: ${described.join(', ')}. `
    + `Its input keys are ${known.map((name) => `"${name}"`).join(', ')}.`);
}
