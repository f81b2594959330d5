/** The knobs of a running sandbox (types.ts `SandboxKnobs`): checked, applied, restorable. */
import { MAX_EXTRA_USERS } from './account';
import type { SandboxClock } from './clock';
import { CUSTOM_FIELD_KINDS, type CustomFieldCatalog } from './customFieldCatalog';
import { seededRandom } from './random';
import { assertTimezone } from './timezone';
import type { CustomersMode, SandboxKnobs } from './types';

export const DEFAULT_KNOBS: Readonly<SandboxKnobs> = {
  latencyMs: 0,
  unstableOrderSeed: false,
  clockOffsetMs: 0,
  unknownIdStatus: 404,
  singlePatchAnswer: 'flat',
  ignoreFilters: false,
  customersMode: 'disabled',
  timezone: 'America/New_York',
  duplicateControl: true,
  extraCustomFields: {},
  extraUsers: 0,
};

const CUSTOMERS_MODES: readonly CustomersMode[] = ['unavailable', 'disabled', 'periodicity', 'segments'];

function check(condition: boolean, knob: string, expected: string, value: unknown): void {
  if (!condition) throw new RangeError(`sandbox knob ${knob} must be ${expected}, got ${JSON.stringify(value)}`);
}

/** Throws a RangeError naming the first bad knob. */
function validate(knobs: Partial<SandboxKnobs>): void {
  const { latencyMs, unstableOrderSeed, clockOffsetMs, unknownIdStatus, singlePatchAnswer, ignoreFilters, customersMode, timezone, duplicateControl, extraCustomFields, extraUsers } = knobs;
  if (latencyMs !== undefined) check(Number.isFinite(latencyMs) && latencyMs >= 0, 'latencyMs', 'a non-negative number', latencyMs);
  if (unstableOrderSeed !== undefined) check(unstableOrderSeed === false || Number.isInteger(unstableOrderSeed), 'unstableOrderSeed', 'an integer or false', unstableOrderSeed);
  if (clockOffsetMs !== undefined) check(Number.isFinite(clockOffsetMs), 'clockOffsetMs', 'a finite number', clockOffsetMs);
  if (unknownIdStatus !== undefined) check(unknownIdStatus === 404 || unknownIdStatus === 204, 'unknownIdStatus', '404 or 204', unknownIdStatus);
  if (singlePatchAnswer !== undefined) check(singlePatchAnswer === 'flat' || singlePatchAnswer === 'embedded', 'singlePatchAnswer', "'flat' or 'embedded'", singlePatchAnswer);
  if (ignoreFilters !== undefined) check(typeof ignoreFilters === 'boolean', 'ignoreFilters', 'a boolean', ignoreFilters);
  if (duplicateControl !== undefined) check(typeof duplicateControl === 'boolean', 'duplicateControl', 'a boolean', duplicateControl);
  if (customersMode !== undefined) check(CUSTOMERS_MODES.includes(customersMode), 'customersMode', CUSTOMERS_MODES.join(' | '), customersMode);
  if (timezone !== undefined) assertTimezone(timezone);
  if (extraUsers !== undefined) check(Number.isInteger(extraUsers) && extraUsers >= 0 && extraUsers <= MAX_EXTRA_USERS, 'extraUsers', `an integer from 0 to ${MAX_EXTRA_USERS}`, extraUsers);
  if (extraCustomFields !== undefined) {
    for (const kind of Object.keys(extraCustomFields)) check((CUSTOM_FIELD_KINDS as readonly string[]).includes(kind), 'extraCustomFields', `keyed by ${CUSTOM_FIELD_KINDS.join(', ')}`, kind);
  }
}

/** Picks the knob keys out of the start options (which also carry port, seed, …). */
function knobsOf(options: Partial<SandboxKnobs>): Partial<SandboxKnobs> {
  return Object.fromEntries(Object.keys(DEFAULT_KNOBS).flatMap((key) => (key in options ? [[key, options[key as keyof SandboxKnobs]]] : [])));
}

export class KnobBox {
  private current: SandboxKnobs = { ...DEFAULT_KNOBS };
  private readonly initial: Partial<SandboxKnobs>;
  private random: (() => number) | undefined;

  constructor(
    startOptions: Partial<SandboxKnobs>,
    private readonly clock: SandboxClock,
    private readonly catalog: CustomFieldCatalog,
  ) {
    this.initial = knobsOf(startOptions);
    validate(this.initial);
    this.restore();
  }

  get values(): Readonly<SandboxKnobs> {
    return this.current;
  }

  configure(changes: Partial<SandboxKnobs>): void {
    validate(changes);
    this.current = { ...this.current, ...changes };
    if (changes.clockOffsetMs !== undefined) this.clock.offsetMs = changes.clockOffsetMs;
    if (changes.unstableOrderSeed !== undefined) this.random = changes.unstableOrderSeed === false ? undefined : seededRandom(changes.unstableOrderSeed);
    if (changes.extraCustomFields !== undefined) {
      for (const [kind, count] of Object.entries(changes.extraCustomFields)) this.catalog.setExtraFields(kind as keyof SandboxKnobs['extraCustomFields'], count ?? 0);
      this.current.extraCustomFields = this.catalog.extraCounts();
    }
  }

  /** The start values again (and a fresh random sequence from the start seed). */
  restore(): void {
    this.current = { ...DEFAULT_KNOBS };
    this.clock.offsetMs = 0;
    this.random = undefined;
    this.catalog.clearExtraFields();
    this.configure(this.initial);
  }

  /** The random source of one list request, when the unstable-order knob is on. */
  orderRandom(): (() => number) | undefined {
    return this.random;
  }
}
