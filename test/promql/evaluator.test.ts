/**
 * The test evaluator (test/promql/promql.ts) against values worked out by hand from Prometheus' semantics, and
 * its refusal of what it does not cover, so a rule using anything else fails its test instead of passing
 * vacuously.
 */
import { evaluate, extrapolatedRate, fires, metricNames, sampled, seconds, Series, syntaxErrors } from './promql';

const T = 3600;
const s = (name: string, labels: Record<string, string>, samples: [number, number][]): Series => ({ labels: { __name__: name, ...labels }, samples });
const up = [s('up', { job: 'a', instance: '1' }, [[T, 1]]), s('up', { job: 'b', instance: '2' }, [[T, 0]])];

test("Prometheus' grammar: accepts PromQL, reports what it rejects", () => {
  expect(syntaxErrors('sum by (a) (rate(x{y=~"z"}[5m])) > 1')).toEqual([]);
  expect(syntaxErrors('up == ')).not.toEqual([]);
  expect(syntaxErrors('foo{a="b"')).not.toEqual([]);
  expect(metricNames('a / b < 0.15 and c{x="y"} == 0 unless absent(d)')).toEqual(['a', 'b', 'c', 'd']);
});

test('durations', () => {
  expect(seconds('30m')).toBe(1800);
  expect(seconds('1h30m')).toBe(5400);
  expect(seconds('0m')).toBe(0);
  expect(() => seconds('5 minutes')).toThrow();
});

test('selectors: matchers, anchored regexes, 5m lookback', () => {
  expect(evaluate('up{job="a"}', up, T).map((e) => e.labels.instance)).toEqual(['1']);
  expect(evaluate('up{job!="a"}', up, T).map((e) => e.labels.instance)).toEqual(['2']);
  expect(evaluate('up{job=~"a|b"}', up, T)).toHaveLength(2);
  expect(evaluate('up{job=~"b."}', up, T)).toHaveLength(0);
  expect(evaluate('up{job!~"a"}', up, T)).toHaveLength(1);
  expect(evaluate('up', up, T + 299)).toHaveLength(2);
  expect(evaluate('up', up, T + 300)).toHaveLength(0);
  expect(evaluate('up', up, T - 1)).toHaveLength(0);
});

test('comparison filters and keeps the name; arithmetic drops it', () => {
  expect(evaluate('up == 0', up, T)).toEqual([{ labels: { __name__: 'up', job: 'b', instance: '2' }, value: 0 }]);
  expect(evaluate('up + 1', up, T).map((e) => e.labels)).toEqual([
    { job: 'a', instance: '1' },
    { job: 'b', instance: '2' },
  ]);
  expect(evaluate('2 > up', up, T).map((e) => e.value)).toEqual([1, 0]);
  expect(evaluate('(1 + 2) / 4', [], T)).toEqual([{ labels: {}, value: 0.75 }]);
});

test('vector/vector one-to-one on all labels but the name; and, unless', () => {
  const fs = [
    s('avail', { m: '/' }, [[T, 10]]),
    s('size', { m: '/' }, [[T, 100]]),
    s('avail', { m: '/data' }, [[T, 90]]),
    s('size', { m: '/data' }, [[T, 100]]),
    s('ro', { m: '/' }, [[T, 1]]),
    s('ro', { m: '/data' }, [[T, 0]]),
  ];
  expect(evaluate('avail / size', fs, T)).toEqual([
    { labels: { m: '/' }, value: 0.1 },
    { labels: { m: '/data' }, value: 0.9 },
  ]);
  expect(evaluate('avail / size < 0.95 and ro == 0', fs, T)).toEqual([{ labels: { m: '/data' }, value: 0.9 }]);
  expect(evaluate('avail / size < 0.95 unless ro == 0', fs, T)).toEqual([{ labels: { m: '/' }, value: 0.1 }]);
});

test('aggregations by labels, and without grouping', () => {
  const xs = [s('x', { a: '1', b: 'p' }, [[T, 1]]), s('x', { a: '1', b: 'q' }, [[T, 2]]), s('x', { a: '2', b: 'p' }, [[T, 4]])];
  expect(evaluate('sum by (a) (x)', xs, T)).toEqual([
    { labels: { a: '1' }, value: 3 },
    { labels: { a: '2' }, value: 4 },
  ]);
  expect(evaluate('max(x)', xs, T)).toEqual([{ labels: {}, value: 4 }]);
  expect(evaluate('min by (b) (x)', xs, T).map((e) => e.value)).toEqual([1, 2]);
  expect(evaluate('count by (b) (x)', xs, T).map((e) => e.value)).toEqual([2, 1]);
  expect(evaluate('sum(nothing)', xs, T)).toEqual([]);
});

test("increase and rate follow Prometheus' extrapolation and counter resets", () => {
  // 0..600 s every 60 s, +1 per minute: increase over [5m] sees 5 samples 240 s apart (4 increments) and
  // extrapolates to the window: 4 * 300/240 = 5.
  const c = sampled({ __name__: 'c' }, 0, 600, (t) => t / 60 + 10, 60);
  expect(evaluate('increase(c[5m])', [c], 600)[0]!.value).toBeCloseTo(5, 6);
  expect(evaluate('rate(c[5m])', [c], 600)[0]!.value).toBeCloseTo(5 / 300, 9);
  // A reset (10 → 2) counts the value before it: 1, 5, 10, 2 over 3 intervals = 4 + 5 + 2 = 11; the start is
  // extrapolated only to where the counter would have been zero (180 * 1/11 s before the first sample, < 30 s).
  expect(
    extrapolatedRate(
      [
        [60, 1],
        [120, 5],
        [180, 10],
        [240, 2],
      ],
      60 - 30,
      240 + 30,
      false,
    ),
  ).toBeCloseTo((11 * (180 + 180 / 11 + 30)) / 180, 6);
  // Never extrapolated below zero at the start.
  expect(
    extrapolatedRate(
      [
        [100, 1],
        [160, 3],
      ],
      0,
      160,
      false,
    ),
  ).toBeCloseTo((2 * (60 + 30)) / 60, 6);
  // One sample: no result.
  expect(evaluate('increase(c[1m])', [c], 600)).toEqual([]);
  expect(evaluate('count_over_time(c[5m])', [c], 600)[0]!.value).toBe(5);
});

test('absent: labels from equality matchers of a plain selector, none otherwise', () => {
  expect(evaluate('absent(nope{job="x", a=~"y"})', up, T)).toEqual([{ labels: { job: 'x' }, value: 1 }]);
  expect(evaluate('absent(up{job="a"})', up, T)).toEqual([]);
  expect(evaluate('absent(up{job="b"} == 1)', up, T)).toEqual([{ labels: {}, value: 1 }]);
});

test('"for": firing only when every evaluation over the hold period returns something', () => {
  const flap = sampled({ __name__: 'up', job: 'x' }, 0, 1200, (t) => (t >= 600 ? 0 : 1), 30);
  expect(fires({ expr: 'up == 0', for: '5m' }, [flap], 900)).toBe(true);
  expect(fires({ expr: 'up == 0', for: '5m' }, [flap], 840)).toBe(false);
  expect(fires({ expr: 'up == 0', for: '0m' }, [flap], 600)).toBe(true);
});

test('anything outside the covered constructs is refused, never silently empty', () => {
  for (const expr of ['up == bool 0', 'a / on(x) b', 'sum without (a) (up)', 'topk(1, up)', 'deriv(up[5m])', 'up offset 5m', 'quantile(0.9, up)', 'a or b'])
    expect({
      expr,
      threw: (() => {
        try {
          evaluate(expr, up, T);
          return false;
        } catch {
          return true;
        }
      })(),
    }).toEqual({ expr, threw: true });
});
