/**
 * PromQL for the tests: Prometheus' own grammar (@prometheus-io/lezer-promql, the parser Prometheus publishes
 * for its UI, pinned to 0.305.0 = Prometheus v3.5.0) parses every rule and panel, and a small evaluator runs
 * the alert rules on synthetic series (promtool is not available here and no maintained PromQL engine exists
 * on npm).
 *
 * The evaluator covers exactly, and throws on anything else:
 * - instant vector selectors with `=`, `!=`, `=~`, `!~` matchers (regexes anchored), 5m lookback;
 * - range selectors inside `rate`, `increase` (Prometheus' extrapolatedRate: counter resets, extrapolation to
 *   the range ends capped at half an average interval, never below zero) and `count_over_time`;
 * - `absent` (labels from the equality matchers of a plain selector argument, as Prometheus);
 * - `vector(<number>)`: one element without labels (the Watchdog's always-true expression);
 * - `time()` (the evaluation time, the series' clock starting at 0) and `label_replace` (anchored regex);
 * - `sum`, `max`, `min`, `count`, `avg` with `by (...)` or no grouping;
 * - `+ - * /` and the comparisons `== != > < >= <=` (filtering, no `bool`) between a vector and a scalar, or
 *   two vectors matched one-to-one on all labels but the name (no on/ignoring/group_*);
 * - `and`, `unless` (on all labels but the name), parentheses, number literals.
 * Arithmetic drops the metric name, comparisons keep it (promql/engine.go shouldDropMetricName).
 * `fires` is the alert's `for`: the expression returns something at every evaluation (every `step`) from
 * `at - for` to `at`, the way the rule manager moves an alert from pending to firing.
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type Labels = Readonly<Record<string, string>>;
export interface Series {
  readonly labels: Labels & { readonly __name__: string };
  /** [seconds, value], ascending. */
  readonly samples: readonly (readonly [number, number])[];
}
interface Element {
  readonly labels: Labels;
  readonly value: number;
}
type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; elements: Element[] } | { kind: 'matrix'; series: { labels: Labels; samples: (readonly [number, number])[] }[] };

const LOOKBACK = 300;

/** Syntax errors of an expression (empty when Prometheus' grammar accepts it). */
export function syntaxErrors(expr: string): string[] {
  const out: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) out.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.from + 10))}`);
    },
  });
  return out;
}

/** Metric names an expression selects (identifiers of its vector selectors). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) names.add(expr.slice(id.from, id.to));
      }
    },
  });
  return [...names].sort();
}

/** Seconds of a PromQL duration such as 30m, 1h, 90s, 1h30m. */
export function seconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let rest = d;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.replace(m[0], '');
  }
  if (rest !== '' || d === '') throw new Error(`not a duration: ${d}`);
  return total;
}

function withoutName(l: Labels): Labels {
  const { __name__: _, ...rest } = l as Record<string, string>;
  void _;
  return rest;
}
const signature = (l: Labels) =>
  JSON.stringify(
    Object.entries(withoutName(l))
      .filter(([, v]) => v !== '')
      .sort(),
  );

class Evaluator {
  constructor(
    private readonly src: string,
    private readonly series: readonly Series[],
    private readonly at: number,
  ) {}

  private text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  private unsupported(n: SyntaxNode): never {
    throw new Error(`the test evaluator does not cover ${n.name}: ${JSON.stringify(this.text(n))}`);
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  private select(n: SyntaxNode): Series[] {
    const id = n.getChild('Identifier');
    const matchers: { name: string; op: string; value: string }[] = id ? [{ name: '__name__', op: 'EqlSingle', value: this.text(id) }] : [];
    const lm = n.getChild('LabelMatchers');
    for (const m of lm ? this.children(lm) : []) {
      if (m.name !== 'UnquotedLabelMatcher') this.unsupported(m);
      const op = m.getChild('MatchOp')!.firstChild!.name;
      matchers.push({ name: this.text(m.getChild('LabelName')!), op, value: JSON.parse(this.text(m.getChild('StringLiteral')!)) as string });
    }
    return this.series.filter((s) =>
      matchers.every((m) => {
        const v = (s.labels as Labels)[m.name] ?? '';
        switch (m.op) {
          case 'EqlSingle':
            return v === m.value;
          case 'Neq':
            return v !== m.value;
          case 'EqlRegex':
            return new RegExp(`^(?:${m.value})$`).test(v);
          case 'NeqRegex':
            return !new RegExp(`^(?:${m.value})$`).test(v);
          default:
            throw new Error(`match operator ${m.op}`);
        }
      }),
    );
  }

  eval(n: SyntaxNode): Value {
    switch (n.name) {
      case 'PromQL':
      case 'ParenExpr':
        return this.eval(this.children(n).find((c) => c.name !== '(' && c.name !== ')')!);
      case 'NumberDurationLiteral':
        return { kind: 'scalar', value: Number(this.text(n)) };
      case 'VectorSelector': {
        const elements: Element[] = [];
        for (const s of this.select(n)) {
          const last = [...s.samples].reverse().find(([t]) => t <= this.at && t > this.at - LOOKBACK);
          if (last) elements.push({ labels: s.labels, value: last[1] });
        }
        return { kind: 'vector', elements };
      }
      case 'MatrixSelector': {
        const range = seconds(this.text(n.getChild('NumberDurationLiteralInDurationContext')!));
        const series = this.select(n.getChild('VectorSelector')!).map((s) => ({ labels: s.labels, samples: s.samples.filter(([t]) => t > this.at - range && t <= this.at) }));
        return { kind: 'matrix', series: series.filter((s) => s.samples.length > 0) };
      }
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      default:
        return this.unsupported(n);
    }
  }

  private call(n: SyntaxNode): Value {
    const fn = this.text(n.getChild('FunctionIdentifier')!);
    const body = n.getChild('FunctionCallBody')!;
    const args = this.children(body).filter((c) => c.name !== '(' && c.name !== ')' && c.name !== ',');
    const argNode = args[0]!;
    // time(): the evaluation time in seconds (the series' clock starts at 0).
    if (fn === 'time' && args.length === 0) return { kind: 'scalar', value: this.at };
    if (fn === 'label_replace') {
      // label_replace(v, dst, replacement, src, regex): the regex anchored on both ends, $1.. from its groups;
      // no match leaves the element as it is (promql/functions.go funcLabelReplace).
      const v = this.eval(argNode);
      if (v.kind !== 'vector' || args.length !== 5) throw new Error('label_replace(vector, dst, replacement, src, regex)');
      const [dst, repl, src, re] = args.slice(1).map((a) => JSON.parse(this.text(a)) as string);
      const regex = new RegExp(`^(?:${re!})$`);
      return {
        kind: 'vector',
        elements: v.elements.map((e) => {
          const m = regex.exec(e.labels[src!] ?? '');
          if (!m) return e;
          const value = repl!.replace(/\$(\d+)/g, (_, i: string) => m[Number(i)] ?? '');
          const labels: Record<string, string> = { ...e.labels };
          if (value === '') delete labels[dst!];
          else labels[dst!] = value;
          return { labels, value: e.value };
        }),
      };
    }
    if (fn === 'vector') {
      const v = this.eval(argNode);
      if (v.kind !== 'scalar') throw new Error('vector() takes a scalar');
      return { kind: 'vector', elements: [{ labels: {}, value: v.value }] };
    }
    if (fn === 'absent') {
      const v = this.eval(argNode);
      if (v.kind !== 'vector') throw new Error('absent() takes a vector');
      if (v.elements.length > 0) return { kind: 'vector', elements: [] };
      // Prometheus: the labels of the equality matchers of a plain selector argument, else none.
      const labels: Record<string, string> = {};
      if (argNode.name === 'VectorSelector') {
        const lm = argNode.getChild('LabelMatchers');
        for (const m of lm ? this.children(lm) : [])
          if (m.getChild('MatchOp')!.firstChild!.name === 'EqlSingle') labels[this.text(m.getChild('LabelName')!)] = JSON.parse(this.text(m.getChild('StringLiteral')!)) as string;
      }
      return { kind: 'vector', elements: [{ labels, value: 1 }] };
    }
    if (argNode.name !== 'MatrixSelector') return this.unsupported(n);
    const range = seconds(this.text(argNode.getChild('NumberDurationLiteralInDurationContext')!));
    const m = this.eval(argNode);
    if (m.kind !== 'matrix') throw new Error('expected a range');
    const out: Element[] = [];
    for (const s of m.series) {
      const labels = withoutName(s.labels);
      if (fn === 'count_over_time') out.push({ labels, value: s.samples.length });
      else if (fn === 'rate' || fn === 'increase') {
        const v = extrapolatedRate(s.samples, this.at - range, this.at, fn === 'rate');
        if (v !== undefined) out.push({ labels, value: v });
      } else return this.unsupported(n);
    }
    return { kind: 'vector', elements: out };
  }

  private aggregate(n: SyntaxNode): Value {
    const op = this.text(n.getChild('AggregateOp')!);
    const mod = n.getChild('AggregateModifier');
    if (mod && !mod.getChild('By')) return this.unsupported(mod);
    const by = mod
      ? this.children(mod.getChild('GroupingLabels')!)
          .filter((c) => c.name === 'LabelName')
          .map((c) => this.text(c))
      : [];
    const body = n.getChild('FunctionCallBody')!;
    const v = this.eval(this.children(body).find((c) => c.name !== '(' && c.name !== ')')!);
    if (v.kind !== 'vector') throw new Error(`${op} takes a vector`);
    const groups = new Map<string, { labels: Labels; values: number[] }>();
    for (const e of v.elements) {
      const labels = Object.fromEntries(by.filter((l) => (e.labels[l] ?? '') !== '').map((l) => [l, e.labels[l]!]));
      const key = JSON.stringify(Object.entries(labels).sort());
      const g = groups.get(key) ?? { labels, values: [] };
      g.values.push(e.value);
      groups.set(key, g);
    }
    const fold: Record<string, (xs: number[]) => number> = {
      sum: (xs) => xs.reduce((a, b) => a + b, 0),
      max: (xs) => Math.max(...xs),
      min: (xs) => Math.min(...xs),
      count: (xs) => xs.length,
      avg: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
    };
    if (!fold[op]) return this.unsupported(n);
    return { kind: 'vector', elements: [...groups.values()].map((g) => ({ labels: g.labels, value: fold[op]!(g.values) })) };
  }

  private binary(n: SyntaxNode): Value {
    const parts = this.children(n);
    const [lhsNode, opNode, ...rest] = parts;
    if (rest.length !== 1) return this.unsupported(n); // on/ignoring/bool/group modifiers
    const op = opNode!.name;
    const lhs = this.eval(lhsNode!);
    const rhs = this.eval(rest[0]!);
    const arith: Record<string, (a: number, b: number) => number> = { Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b };
    const cmp: Record<string, (a: number, b: number) => boolean> = {
      Eql: (a, b) => a === b,
      Neq: (a, b) => a !== b,
      Gtr: (a, b) => a > b,
      Lss: (a, b) => a < b,
      Gte: (a, b) => a >= b,
      Lte: (a, b) => a <= b,
    };
    if (op === 'And' || op === 'Unless') {
      if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw new Error(`${op} takes vectors`);
      const keys = new Set(rhs.elements.map((e) => signature(e.labels)));
      return { kind: 'vector', elements: lhs.elements.filter((e) => keys.has(signature(e.labels)) === (op === 'And')) };
    }
    if (!arith[op] && !cmp[op]) return this.unsupported(opNode!);
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
      if (!arith[op]) return this.unsupported(n);
      return { kind: 'scalar', value: arith[op](lhs.value, rhs.value) };
    }
    const apply = (e: Element, a: number, b: number): Element | undefined => {
      if (arith[op]) return { labels: withoutName(e.labels), value: arith[op](a, b) };
      return cmp[op]!(a, b) ? e : undefined;
    };
    if (lhs.kind === 'vector' && rhs.kind === 'scalar')
      return { kind: 'vector', elements: lhs.elements.map((e) => apply(e, e.value, rhs.value)).filter((e): e is Element => e !== undefined) };
    if (lhs.kind === 'scalar' && rhs.kind === 'vector')
      return { kind: 'vector', elements: rhs.elements.map((e) => apply(e, lhs.value, e.value)).filter((e): e is Element => e !== undefined) };
    if (lhs.kind === 'vector' && rhs.kind === 'vector') {
      const right = new Map<string, Element>();
      for (const e of rhs.elements) {
        const k = signature(e.labels);
        if (right.has(k)) throw new Error(`many-to-many matching on ${k}`);
        right.set(k, e);
      }
      const out: Element[] = [];
      for (const e of lhs.elements) {
        const r = right.get(signature(e.labels));
        const x = r && apply(e, e.value, r.value);
        if (x) out.push(x);
      }
      return { kind: 'vector', elements: out };
    }
    return this.unsupported(n);
  }
}

/** Prometheus' extrapolatedRate (promql/functions.go) for a counter over (start, end]. */
export function extrapolatedRate(samples: readonly (readonly [number, number])[], start: number, end: number, isRate: boolean): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  let result = last[1] - first[1];
  for (let i = 1; i < samples.length; i++) if (samples[i]![1] < samples[i - 1]![1]) result += samples[i - 1]![1];
  const sampled = last[0] - first[0];
  const avg = sampled / (samples.length - 1);
  let toStart = first[0] - start;
  let toEnd = end - last[0];
  if (result > 0 && first[1] >= 0) toStart = Math.min(toStart, sampled * (first[1] / result));
  const threshold = avg * 1.1;
  if (toStart >= threshold) toStart = avg / 2;
  if (toEnd >= threshold) toEnd = avg / 2;
  let factor = (sampled + toStart + toEnd) / sampled;
  if (isRate) factor /= end - start;
  return result * factor;
}

/** The instant vector (or scalar as one unlabelled element) of `expr` at `at` seconds. */
export function evaluate(expr: string, series: readonly Series[], at: number): Element[] {
  const errs = syntaxErrors(expr);
  if (errs.length) throw new Error(errs.join('; '));
  const v = new Evaluator(expr, series, at).eval(parser.parse(expr).topNode);
  if (v.kind === 'scalar') return [{ labels: {}, value: v.value }];
  if (v.kind === 'matrix') throw new Error('a range is not an instant result');
  return v.elements;
}

/** Whether an alert with this expression and `for` is firing at `at`, evaluated every `step` seconds. */
export function fires(rule: { readonly expr: string; readonly for: string }, series: readonly Series[], at: number, step = 60): boolean {
  const hold = seconds(rule.for);
  for (let t = at - hold; t <= at; t += step) if (evaluate(rule.expr, series, t).length === 0) return false;
  return true;
}

/** A series sampled every `step` seconds from `from` to `to` (inclusive) with value f(t). */
export function sampled(labels: Series['labels'], from: number, to: number, f: (t: number) => number, step = 30): Series {
  const samples: [number, number][] = [];
  for (let t = from; t <= to; t += step) samples.push([t, f(t)]);
  return { labels, samples };
}
