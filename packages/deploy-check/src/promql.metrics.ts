// The metric names a PromQL expression reads. Not a full PromQL parser: it
// removes what cannot be a metric name (strings, label matchers, ranges,
// grouping clauses, Grafana variables), then keeps the identifiers that are
// not a function call, an aggregation or a keyword.

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

export function metricNamesInExpr(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/gu, '""')
    .replace(/\{[^}]*\}/gu, ' ')
    .replace(/\[[^\]]*\]/gu, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gu, ' ')
    .replace(/\$\{?\w+\}?/gu, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/gu)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/u.test(after)) continue; // function or aggregation call
    if (KEYWORDS.has(name.toLowerCase())) continue;
    // A number's exponent (1e3) or a duration (5m) starts with a digit and
    // never matches; `e` alone after a digit would, so skip single letters
    // glued to a digit.
    const before = stripped.slice(0, match.index ?? 0);
    if (/\d$/u.test(before)) continue;
    names.add(name);
  }
  return [...names].sort();
}

const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/gu;

/** Each `metric{matchers}` selector of `expr`: the metric and the label names its matchers use. */
export function selectorLabelsInExpr(expr: string): { metric: string; labels: string[] }[] {
  const selectors: { metric: string; labels: string[] }[] = [];
  // Strings first: a matcher's value may hold braces or `=`.
  const stripped = expr.replace(STRINGS, '""');
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/gu)) {
    const labels = [...(match[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/gu)];
    selectors.push({ metric: match[1] ?? '', labels: labels.map((m) => m[1] ?? '') });
  }
  return selectors;
}

/** The label names `expr` groups by: `by (...)` and `without (...)` clauses. */
export function groupingLabelsInExpr(expr: string): string[] {
  const labels = new Set<string>();
  const stripped = expr.replace(STRINGS, '""');
  for (const match of stripped.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/gu)) {
    for (const label of (match[1] ?? '').split(',')) if (label.trim()) labels.add(label.trim());
  }
  return [...labels].sort();
}
