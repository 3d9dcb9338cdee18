import type { z } from 'zod';

// Every contract is validated on publish and again on consume, a dozen times
// per SMS across the services. zod 4 allocates a result object and an issues
// array per field (and copies every object), which made validation, and the
// garbage collection it caused, one of the largest costs of every service.
//
// This is a second reading of the SAME zod schemas, not a second schema: it
// walks each schema's definition once and builds plain closures that check a
// value without allocating. It only ever answers "valid, and this is what zod
// would return" or "let zod decide"; zod stays the authority for everything
// else, and alone produces error messages. So that answer is never wrong:
// - only constructs whose zod semantics are mirrored exactly are compiled
//   (see `compile`); anything else (a refinement, a transform, a format
//   without a plain pattern, a catch-all) makes the whole schema zod-only;
// - where zod's rule is subtle, the fast path declines instead of copying it:
//   zod measures string lengths in code points, so a string whose length in
//   UTF-16 units does not settle the check goes to zod; an unknown key (zod
//   strips it) goes to zod;
// - the differential test (fast-parse.test.ts) runs thousands of mutated
//   messages of every contract through both and requires identical results.
// Inputs are plain data objects, as JSON.parse and object literals make
// them: an own non-enumerable property would survive in zod's copy but not
// in JSON.stringify of the object returned here.

/** The fast path's "let zod decide". */
const DEFER: unique symbol = Symbol('defer to zod');

/**
 * Checks one value: returns the value itself when zod would return an equal
 * value, a copy when zod would fill defaults into it, or DEFER.
 */
type Node = (value: unknown) => unknown;

/** The parts of a zod 4 schema's internals this file reads. */
interface ZodInternals {
  readonly _zod: {
    readonly def: Readonly<Record<string, unknown>> & {
      readonly type: string;
      readonly checks?: readonly ZodInternals[];
    };
    readonly values?: ReadonlySet<unknown>;
    readonly optin?: string;
  };
}

export class UnsupportedSchemaError extends Error {
  override readonly name = 'UnsupportedSchemaError';
}

const SURROGATE = /[\uD800-\uDFFF]/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unsupported(path: string, what: string): never {
  throw new UnsupportedSchemaError(`${path || '(root)'}: ${what} has no fast path`);
}

/** A string check: true = passes in zod too; false = let zod decide. */
type StringTest = (value: string) => boolean;

function patternTest(pattern: unknown, path: string): StringTest {
  if (!(pattern instanceof RegExp)) unsupported(path, 'a string format without a pattern');
  return (value) => {
    pattern.lastIndex = 0;
    return pattern.test(value);
  };
}

/** Formats whose zod check is exactly "the pattern matches". */
const PATTERN_FORMATS = new Set(['regex', 'datetime']);

function stringCheck(check: Readonly<Record<string, unknown>>, path: string): StringTest {
  switch (check.check) {
    case 'max_length': {
      // zod counts code points; a string within the limit in UTF-16 units is
      // within it in code points too (a code point is one or two units).
      const maximum = check.maximum as number;
      return (value) => value.length <= maximum;
    }
    case 'min_length': {
      // At least twice the minimum in units is at least the minimum in code
      // points (and any non-empty string has one); shorter strings are zod's
      // to count.
      const minimum = check.minimum as number;
      if (minimum <= 1) return (value) => value.length >= minimum;
      return (value) => value.length >= minimum * 2;
    }
    case 'length_equals': {
      const length = check.length as number;
      return (value) => value.length === length && !SURROGATE.test(value);
    }
    case 'string_format':
      if (!PATTERN_FORMATS.has(check.format as string)) {
        unsupported(path, `string format '${String(check.format)}'`);
      }
      return patternTest(check.pattern, path);
    default:
      return unsupported(path, `string check '${String(check.check)}'`);
  }
}

type NumberTest = (value: number) => boolean;

function numberCheck(check: Readonly<Record<string, unknown>>, path: string): NumberTest {
  switch (check.check) {
    case 'number_format':
      if (check.format !== 'safeint') unsupported(path, `number format '${String(check.format)}'`);
      return Number.isSafeInteger;
    case 'greater_than': {
      const bound = check.value;
      if (typeof bound !== 'number') unsupported(path, 'a non-number bound');
      return check.inclusive ? (value) => value >= bound : (value) => value > bound;
    }
    case 'less_than': {
      const bound = check.value;
      if (typeof bound !== 'number') unsupported(path, 'a non-number bound');
      return check.inclusive ? (value) => value <= bound : (value) => value < bound;
    }
    default:
      return unsupported(path, `number check '${String(check.check)}'`);
  }
}

function checkDefs(schema: ZodInternals): Readonly<Record<string, unknown>>[] {
  return (schema._zod.def.checks ?? []).map((check) => check._zod.def);
}

function noChecks(schema: ZodInternals, path: string): void {
  if ((schema._zod.def.checks ?? []).length > 0)
    unsupported(path, `a check on a ${schema._zod.def.type}`);
}

/**
 * A string or a number: its type, then its checks in zod's order. A format
 * schema (`z.iso.datetime()`, `z.int()`) is itself its first check.
 */
function compileScalar<T>(
  schema: ZodInternals,
  path: string,
  isType: (value: unknown) => value is T,
  formatCheck: 'string_format' | 'number_format',
  checkOf: (check: Readonly<Record<string, unknown>>, path: string) => (value: T) => boolean,
): Node {
  const def = schema._zod.def;
  const tests = checkDefs(schema).map((check) => checkOf(check, path));
  if (def.format !== undefined) tests.unshift(checkOf({ check: formatCheck, ...def }, path));
  return (value) => {
    if (!isType(value)) return DEFER;
    for (const test of tests) if (!test(value)) return DEFER;
    return value;
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';
/** zod's number refuses NaN and ±Infinity. */
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

function compileObject(schema: ZodInternals, path: string): Node {
  const def = schema._zod.def;
  noChecks(schema, path);
  if (def.catchall !== undefined) unsupported(path, 'an object with a catch-all');
  const shape = def.shape as Readonly<Record<string, ZodInternals>>;
  const keys = Object.keys(shape);
  if (keys.includes('__proto__')) unsupported(path, "a '__proto__' key");
  const nodes = keys.map((key) => compile(shape[key] as ZodInternals, `${path}.${key}`));
  return (value) => {
    if (!isObject(value)) return DEFER;
    // zod drops keys it does not know; the fast path never builds that copy.
    for (const key in value) if (!Object.hasOwn(shape, key)) return DEFER;
    let copy: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i] as string;
      const field = value[key];
      const result = (nodes[i] as Node)(field);
      if (result === DEFER) return DEFER;
      if (result !== field) {
        copy ??= { ...value };
        copy[key] = result;
      }
    }
    return copy ?? value;
  };
}

function compileArray(schema: ZodInternals, path: string): Node {
  noChecks(schema, path);
  const element = compile(schema._zod.def.element as ZodInternals, `${path}[]`);
  return (value) => {
    if (!Array.isArray(value)) return DEFER;
    const items: readonly unknown[] = value;
    let copy: unknown[] | undefined;
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i];
      const result = element(item);
      if (result === DEFER) return DEFER;
      if (result !== item) {
        copy ??= items.slice();
        copy[i] = result;
      }
    }
    return copy ?? items;
  };
}

function compileDiscriminatedUnion(schema: ZodInternals, path: string): Node {
  const def = schema._zod.def;
  noChecks(schema, path);
  const discriminator = def.discriminator;
  if (typeof discriminator !== 'string' || def.unionFallback) {
    unsupported(path, 'a union that is not a plain discriminated union');
  }
  const byTag = new Map<unknown, Node>();
  for (const option of def.options as readonly ZodInternals[]) {
    const tag = (option._zod.def.shape as Record<string, ZodInternals> | undefined)?.[
      discriminator
    ];
    const tags = tag?._zod.def.type === 'literal' ? tag._zod.values : undefined;
    if (!tags) unsupported(path, 'a union option without a literal tag');
    const node = compile(option, `${path}<${[...tags].join('|')}>`);
    for (const value of tags) byTag.set(value, node);
  }
  return (value) => {
    if (!isObject(value)) return DEFER;
    const node = byTag.get(value[discriminator]);
    return node ? node(value) : DEFER;
  };
}

function compile(schema: ZodInternals, path: string): Node {
  const def = schema._zod.def;
  if (def.coerce) unsupported(path, 'coercion');
  switch (def.type) {
    case 'string':
      return compileScalar(schema, path, isString, 'string_format', stringCheck);
    case 'number':
      return compileScalar(schema, path, isFiniteNumber, 'number_format', numberCheck);
    case 'boolean':
      noChecks(schema, path);
      return (value) => (typeof value === 'boolean' ? value : DEFER);
    case 'literal':
    case 'enum': {
      noChecks(schema, path);
      const values = schema._zod.values;
      if (!values) unsupported(path, `a ${def.type} without values`);
      return (value) => (values.has(value) ? value : DEFER);
    }
    case 'optional': {
      noChecks(schema, path);
      const innerSchema = def.innerType as ZodInternals;
      // zod lets a default inside an optional fill an absent value.
      if (innerSchema._zod.optin === 'defaulted') unsupported(path, 'a default inside an optional');
      const inner = compile(innerSchema, path);
      return (value) => (value === undefined ? value : inner(value));
    }
    case 'default': {
      noChecks(schema, path);
      const inner = compile(def.innerType as ZodInternals, path);
      // `def.defaultValue` is a getter that returns a fresh copy, as zod hands out.
      return (value) => {
        if (value === undefined) return def.defaultValue;
        const result = inner(value);
        return result === undefined ? def.defaultValue : result;
      };
    }
    case 'array':
      return compileArray(schema, path);
    case 'object':
      return compileObject(schema, path);
    case 'union':
      return compileDiscriminatedUnion(schema, path);
    default:
      return unsupported(path, `a ${def.type}`);
  }
}

/**
 * The fast path alone, for tests and benchmarks: `{ value }` when it answers
 * (zod would succeed with an equal value), undefined when zod must decide.
 * Throws UnsupportedSchemaError for a schema it cannot read exactly.
 */
export function fastPathOf(schema: z.ZodType): (input: unknown) => { value: unknown } | undefined {
  const node = compile(schema as unknown as ZodInternals, '');
  return (input) => {
    const value = node(input);
    return value === DEFER ? undefined : { value };
  };
}

/** What `fastSafeParse` returns: zod's own result type. */
export type SafeParse<S extends z.ZodType> = (input: unknown) => z.ZodSafeParseResult<z.output<S>>;

/**
 * `schema.safeParse`, answered without zod when the value is plainly valid.
 * The value returned on that path is the input itself (or a copy where zod
 * would fill a default), not a fresh deep copy. Throws UnsupportedSchemaError
 * for a schema it cannot read exactly; see `safeParser` for the forgiving form.
 */
export function fastSafeParse<S extends z.ZodType>(schema: S): SafeParse<S> {
  const node = compile(schema as unknown as ZodInternals, '');
  return (input) => {
    const result = node(input);
    if (result === DEFER) return schema.safeParse(input);
    return { success: true, data: result as z.output<S> };
  };
}

/** `fastSafeParse` when the schema allows it, plain `schema.safeParse` otherwise. */
export function safeParser<S extends z.ZodType>(schema: S): SafeParse<S> {
  try {
    return fastSafeParse(schema);
  } catch (err) {
    if (err instanceof UnsupportedSchemaError) return (input) => schema.safeParse(input);
    throw err;
  }
}
