// Address patterns for generated traffic: literal digits with numeric ranges,
// e.g. `1555000{0000-9999}` → 15550000000 … 15550009999. Ranges keep the
// width of their bounds (leading zeros), several ranges combine like an
// odometer, and `sequential` walks every address before repeating.

export const ADDRESS_ORDERS = ['sequential', 'random'] as const;
export type AddressOrder = (typeof ADDRESS_ORDERS)[number];

type Segment =
  | { readonly literal: string }
  | { readonly from: number; readonly size: number; readonly width: number };

export interface AddressPattern {
  readonly pattern: string;
  /** Distinct addresses the pattern can produce. */
  readonly size: number;
  /** The nth address (n taken modulo size). */
  at(n: number): string;
}

/** SMPP source_addr / destination_addr carry at most 20 characters. */
const MAX_ADDRESS_LENGTH = 20;

export function parseAddressPattern(pattern: string): AddressPattern {
  const segments: Segment[] = [];
  const re = /\{(\d+)-(\d+)\}/gu;
  let last = 0;
  let length = 0;
  for (let match = re.exec(pattern); match !== null; match = re.exec(pattern)) {
    const literal = pattern.slice(last, match.index);
    if (literal) segments.push({ literal });
    length += literal.length;
    const [, lowText = '', highText = ''] = match;
    const low = Number(lowText);
    const high = Number(highText);
    if (high < low)
      throw new RangeError(
        `address pattern ${pattern}: range {${lowText}-${highText}} is reversed`,
      );
    const width = Math.max(lowText.length, highText.length);
    segments.push({ from: low, size: high - low + 1, width });
    length += width;
    last = match.index + match[0].length;
  }
  const tail = pattern.slice(last);
  if (tail) segments.push({ literal: tail });
  length += tail.length;
  if (/[{}]/u.test(segments.map((s) => ('literal' in s ? s.literal : '')).join(''))) {
    throw new RangeError(
      `address pattern ${pattern}: braces must enclose a range like {0000-9999}`,
    );
  }
  if (length === 0 || length > MAX_ADDRESS_LENGTH) {
    throw new RangeError(
      `address pattern ${pattern} gives addresses of ${length} characters; 1-${MAX_ADDRESS_LENGTH} allowed`,
    );
  }
  const size = segments.reduce((product, s) => product * ('size' in s ? s.size : 1), 1);
  if (!Number.isSafeInteger(size))
    throw new RangeError(`address pattern ${pattern} has too many combinations`);
  return {
    pattern,
    size,
    at(n: number): string {
      let rest = ((n % size) + size) % size;
      // Last range varies fastest, like counting.
      const parts: string[] = new Array<string>(segments.length);
      for (let i = segments.length - 1; i >= 0; i--) {
        const segment = segments[i]!;
        if ('literal' in segment) {
          parts[i] = segment.literal;
        } else {
          parts[i] = String(segment.from + (rest % segment.size)).padStart(segment.width, '0');
          rest = Math.floor(rest / segment.size);
        }
      }
      return parts.join('');
    },
  };
}

/** Yields addresses from a pattern in the given order. */
export class AddressSource {
  private next = 0;
  constructor(
    private readonly pattern: AddressPattern,
    private readonly order: AddressOrder,
  ) {}

  take(): string {
    if (this.order === 'random') {
      return this.pattern.at(Math.floor(Math.random() * this.pattern.size));
    }
    return this.pattern.at(this.next++);
  }
}
