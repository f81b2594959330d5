/**
 * What the elastic.io runtime (sailor) hands a handler as `this`, and the message shapes.
 * Sailor's logger turns its first argument into a string: log strings only.
 */

/** The runtime's logger (a bunyan child logger). */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** `this` inside `process`: the runtime's task context. */
export interface ComponentContext {
  logger: Logger;
  emit(event: string, payload?: unknown): Promise<unknown> | unknown;
}

/** A message as sailor delivers it to `process` and as the component returns it. */
export interface Message<Body = unknown> {
  id?: string;
  body: Body;
  headers?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
  passthrough?: Record<string, unknown>;
}

/** Wraps a body as an outgoing message. */
export function newMessage<Body>(body: Body): Message<Body> {
  return { body, headers: {}, attachments: {} };
}
