/** Scripted faults: which one, if any, applies to an arriving request. */
import type { Fault } from './types';

interface ScriptedFault {
  pattern: string | RegExp;
  method: string | undefined;
  fault: Fault;
  remaining: number;
}

export class FaultBook {
  private scripted: ScriptedFault[] = [];

  add(pattern: string | RegExp, fault: Fault, times: number, method: string | undefined): void {
    if (!(times > 0)) throw new RangeError(`injectFault: times must be positive, got ${times}`);
    this.scripted.push({ pattern, fault, remaining: times, method: method?.toUpperCase() });
  }

  clear(): void {
    this.scripted = [];
  }

  /**
   * The first fault (in injection order) matching this request, consumed once.
   * A string pattern is the exact pathname; a RegExp is tested against pathname + search.
   */
  take(method: string, pathname: string, pathWithSearch: string): Fault | undefined {
    if (this.scripted.length === 0) return undefined;
    const index = this.scripted.findIndex(
      (entry) =>
        (entry.method === undefined || entry.method === method) &&
        (typeof entry.pattern === 'string' ? entry.pattern === pathname : testRegExp(entry.pattern, pathWithSearch)),
    );
    if (index < 0) return undefined;
    const entry = this.scripted[index];
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.scripted.splice(index, 1);
    return entry.fault;
  }
}

/** A global or sticky RegExp keeps `lastIndex` between calls; reset it so each test is fresh. */
function testRegExp(pattern: RegExp, input: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(input);
}
