// Which final state a message reaches. Rules are data: the first rule whose
// destination pattern matches wins; otherwise the configured percentages
// decide; otherwise DELIVRD. Percentages are dealt out by smooth weighted
// round-robin rather than by Math.random, so "90/10" means exactly 9 of
// every 10 messages, which is what a test (or an operator checking their
// DLR dashboards) can assert on.

export const RECEIPT_OUTCOMES = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

export interface ReceiptRule {
  /** Destination starts with this (exactly one of prefix/regex). */
  readonly prefix?: string;
  /** Destination matches this regular expression. */
  readonly regex?: string | RegExp;
  readonly stat: ReceiptOutcome;
  /** err: in the text and network_error_code (GSM) for failures; defaults per stat. */
  readonly err?: number;
}

export type ReceiptPercentages = Partial<Record<ReceiptOutcome, number>>;

export interface OutcomeDecision {
  readonly stat: ReceiptOutcome;
  readonly err: number;
}

/** Error codes written when a rule gives none; GSM MAP-flavoured, nonzero for failures. */
export const DEFAULT_ERR: Readonly<Record<ReceiptOutcome, number>> = {
  DELIVRD: 0,
  UNDELIV: 1,
  EXPIRED: 27,
  REJECTD: 11,
};

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
    return { stat: best.stat, err: DEFAULT_ERR[best.stat] };
  }
}

function compileRule(rule: ReceiptRule, index: number): CompiledRule {
  if (!(RECEIPT_OUTCOMES as readonly string[]).includes(rule.stat)) {
    throw new RangeError(
      `receipt rule ${index}: stat must be one of ${RECEIPT_OUTCOMES.join(', ')}`,
    );
  }
  const err = rule.err ?? DEFAULT_ERR[rule.stat];
  if (!Number.isInteger(err) || err < 0 || err > 999) {
    throw new RangeError(`receipt rule ${index}: err must be an integer 0-999, got ${err}`);
  }
  const decision: OutcomeDecision = { stat: rule.stat, err };
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
 * Parses the CLI/HTTP form of a rule: `prefix:1555=UNDELIV`,
 * `regex:^1999\d+$=REJECTD:11` (optional `:err`).
 */
export function parseReceiptRule(text: string): ReceiptRule {
  const match = /^(prefix|regex):(.*)=([A-Z]+)(?::(\d{1,3}))?$/u.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `receipt rule ${JSON.stringify(text)} is not prefix:<digits>=<STAT>[:err] or regex:<re>=<STAT>[:err]`,
    );
  }
  const [, kind, pattern = '', stat = '', err] = match;
  if (!(RECEIPT_OUTCOMES as readonly string[]).includes(stat)) {
    throw new RangeError(`receipt rule ${JSON.stringify(text)}: unknown stat ${stat}`);
  }
  const base = { stat: stat as ReceiptOutcome, ...(err !== undefined ? { err: Number(err) } : {}) };
  return kind === 'prefix' ? { ...base, prefix: pattern } : { ...base, regex: pattern };
}

/** Parses `DELIVRD=90,UNDELIV=10`. */
export function parseReceiptPercentages(text: string): ReceiptPercentages {
  const result: Partial<Record<ReceiptOutcome, number>> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([A-Z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/u.exec(part);
    const stat = match?.[1];
    if (!match || stat === undefined || !(RECEIPT_OUTCOMES as readonly string[]).includes(stat)) {
      throw new RangeError(`receipt percentages ${JSON.stringify(text)}: expected STAT=number,...`);
    }
    result[stat as ReceiptOutcome] = Number(match[2]);
  }
  return result;
}
