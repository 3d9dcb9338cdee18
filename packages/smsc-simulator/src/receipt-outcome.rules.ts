// Which final state a message reaches. Rules are data: the first rule whose
// destination pattern matches wins; otherwise the configured percentages
// decide; otherwise DELIVRD. Percentages are dealt out by smooth weighted
// round-robin rather than by Math.random, so "90/10" means exactly 9 of
// every 10 messages, which is what a test (or an operator checking their
// DLR dashboards) can assert on.
//
// One outcome is not a receipt at all: NONE. Real carriers silently never
// report a share of their traffic (0.1-2 %); the message is accepted and no
// deliver_sm ever follows. The gateway's receipt timeout exists for exactly
// that, and its tests need a carrier that does it on demand. NONE is kept
// out of the stat words (SimReceiptStat) so it can never be written into a
// receipt text or given an err.

/** Stat words the simulator writes into a receipt (text stat: and message_state). */
export const SIM_RECEIPT_STATS = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'] as const;
export type SimReceiptStat = (typeof SIM_RECEIPT_STATS)[number];

/** The outcome that sends no receipt: the carrier accepts the message and never reports it. */
export const NO_RECEIPT = 'NONE';

/**
 * Everything a rule or a percentage can give: a receipt stat, or NONE.
 * The order breaks ties in the round-robin; NONE is last so percentages
 * without it are dealt in the same sequence whether or not it exists.
 */
export const RECEIPT_OUTCOMES = [...SIM_RECEIPT_STATS, NO_RECEIPT] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

interface ReceiptRuleMatch {
  /** Destination starts with this (exactly one of prefix/regex). */
  readonly prefix?: string;
  /** Destination matches this regular expression. */
  readonly regex?: string | RegExp;
}

export type ReceiptRule = ReceiptRuleMatch &
  (
    | {
        readonly stat: SimReceiptStat;
        /** err: in the text and network_error_code (GSM) for failures; defaults per stat. */
        readonly err?: number;
      }
    | {
        /** No receipt is ever sent for a matching destination. */
        readonly stat: typeof NO_RECEIPT;
        /** There is no receipt to carry an err. */
        readonly err?: undefined;
      }
  );

export type ReceiptPercentages = Partial<Record<ReceiptOutcome, number>>;

export type OutcomeDecision =
  { readonly stat: SimReceiptStat; readonly err: number } | { readonly stat: typeof NO_RECEIPT };

/** Error codes written when a rule gives none; GSM MAP-flavoured, nonzero for failures. */
export const DEFAULT_ERR: Readonly<Record<SimReceiptStat, number>> = {
  DELIVRD: 0,
  UNDELIV: 1,
  EXPIRED: 27,
  REJECTD: 11,
};

const WITHHELD: OutcomeDecision = { stat: NO_RECEIPT };

function isOutcome(word: string): word is ReceiptOutcome {
  return (RECEIPT_OUTCOMES as readonly string[]).includes(word);
}

function decisionFor(stat: ReceiptOutcome): OutcomeDecision {
  return stat === NO_RECEIPT ? WITHHELD : { stat, err: DEFAULT_ERR[stat] };
}

interface CompiledRule {
  readonly matches: (destination: string) => boolean;
  readonly decision: OutcomeDecision;
}

export class ReceiptOutcomeRules {
  private readonly rules: readonly CompiledRule[];
  private readonly weighted: {
    readonly stat: ReceiptOutcome;
    readonly weight: number;
    current: number;
  }[];
  private readonly totalWeight: number;

  constructor(rules: readonly ReceiptRule[] = [], percentages: ReceiptPercentages = {}) {
    this.rules = rules.map((rule, index) => compileRule(rule, index));
    this.weighted = [];
    // Options objects and JSON are not type-checked: a misspelt key (say
    // "NOEN") would otherwise be ignored and every message would get its receipt.
    const unknown = Object.keys(percentages).filter((key) => !isOutcome(key));
    if (unknown.length > 0) {
      throw new RangeError(
        `receipt percentages: unknown stat ${unknown.join(', ')}, expected one of ${RECEIPT_OUTCOMES.join(', ')}`,
      );
    }
    let total = 0;
    for (const stat of RECEIPT_OUTCOMES) {
      const weight = percentages[stat] ?? 0;
      if (!Number.isFinite(weight) || weight < 0) {
        throw new RangeError(`receipt percentage for ${stat} must be >= 0, got ${weight}`);
      }
      if (weight > 0) {
        this.weighted.push({ stat, weight, current: 0 });
        total += weight;
      }
    }
    this.totalWeight = total;
  }

  decide(destination: string): OutcomeDecision {
    for (const rule of this.rules) {
      if (rule.matches(destination)) {
        return rule.decision;
      }
    }
    if (this.totalWeight === 0) {
      return { stat: 'DELIVRD', err: 0 };
    }
    // Smooth weighted round-robin (as in nginx upstreams): exact proportions
    // over every cycle of totalWeight picks, well interleaved within it.
    let best = this.weighted[0];
    for (const entry of this.weighted) {
      entry.current += entry.weight;
      if (best === undefined || entry.current > best.current) {
        best = entry;
      }
    }
    if (best === undefined) {
      return { stat: 'DELIVRD', err: 0 };
    }
    best.current -= this.totalWeight;
    return decisionFor(best.stat);
  }
}

function compileRule(rule: ReceiptRule, index: number): CompiledRule {
  // Rules also arrive as plain JSON/JS objects, so the type is checked here too.
  if (!isOutcome(rule.stat)) {
    throw new RangeError(
      `receipt rule ${index}: stat must be one of ${RECEIPT_OUTCOMES.join(', ')}`,
    );
  }
  let decision: OutcomeDecision;
  if (rule.stat === NO_RECEIPT) {
    if (rule.err !== undefined) {
      throw new RangeError(`receipt rule ${index}: ${NO_RECEIPT} sends no receipt, so no err`);
    }
    decision = WITHHELD;
  } else {
    const err = rule.err ?? DEFAULT_ERR[rule.stat];
    if (!Number.isInteger(err) || err < 0 || err > 999) {
      throw new RangeError(`receipt rule ${index}: err must be an integer 0-999, got ${err}`);
    }
    decision = { stat: rule.stat, err };
  }
  if ((rule.prefix === undefined) === (rule.regex === undefined)) {
    throw new RangeError(`receipt rule ${index}: give exactly one of prefix or regex`);
  }
  if (rule.prefix !== undefined) {
    const prefix = rule.prefix;
    return { matches: (destination) => destination.startsWith(prefix), decision };
  }
  const regex =
    typeof rule.regex === 'string' ? new RegExp(rule.regex, 'u') : (rule.regex as RegExp);
  // A global/sticky regex carries lastIndex between calls and would match every other time.
  const pattern =
    regex.global || regex.sticky
      ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''))
      : regex;
  return { matches: (destination) => pattern.test(destination), decision };
}

/**
 * Parses the CLI/env form of a rule: `prefix:1555=UNDELIV`,
 * `regex:^1999\d+$=REJECTD:11` (optional `:err`), `prefix:1999=NONE` (no receipt).
 */
export function parseReceiptRule(text: string): ReceiptRule {
  const match = /^(prefix|regex):(.*)=([A-Z]+)(?::(\d{1,3}))?$/u.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `receipt rule ${JSON.stringify(text)} is not prefix:<digits>=<STAT>[:err] or regex:<re>=<STAT>[:err]`,
    );
  }
  const [, kind, pattern = '', stat = '', err] = match;
  if (!isOutcome(stat)) {
    throw new RangeError(
      `receipt rule ${JSON.stringify(text)}: unknown stat ${stat}, expected one of ${RECEIPT_OUTCOMES.join(', ')}`,
    );
  }
  const where = kind === 'prefix' ? { prefix: pattern } : { regex: pattern };
  if (stat === NO_RECEIPT) {
    if (err !== undefined) {
      throw new RangeError(
        `receipt rule ${JSON.stringify(text)}: ${NO_RECEIPT} sends no receipt, so no :err`,
      );
    }
    return { ...where, stat };
  }
  return { ...where, stat, ...(err !== undefined ? { err: Number(err) } : {}) };
}

/** Parses `DELIVRD=90,UNDELIV=10` (or `DELIVRD=98,NONE=2`). */
export function parseReceiptPercentages(text: string): ReceiptPercentages {
  const result: Partial<Record<ReceiptOutcome, number>> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([A-Z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/u.exec(part);
    const stat = match?.[1];
    if (!match || stat === undefined) {
      throw new RangeError(`receipt percentages ${JSON.stringify(text)}: expected STAT=number,...`);
    }
    if (!isOutcome(stat)) {
      throw new RangeError(
        `receipt percentages ${JSON.stringify(text)}: unknown stat ${stat}, expected one of ${RECEIPT_OUTCOMES.join(', ')}`,
      );
    }
    result[stat] = Number(match[2]);
  }
  return result;
}
