/**
 * The zod building blocks of the site schema: scalars and the fields every workload component has. This module
 * imports no app, so each app's constructs/<app>.ts declares its slice of `site.workloads` with them and
 * config/schema.ts composes the slices from the registry without an import cycle.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { durationProblem, VERSION_TAG } from './hostile';
import { cpuCores } from './scalars';

// ---------------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 label: lower-case alphanumerics and '-', 1-63 chars, starting and ending alphanumeric. */
export const dnsLabel = z.string().regex(DNS_LABEL, {
  message: 'a DNS label (RFC 1123): lower-case letters, digits and "-", 1-63 characters, starting and ending with a letter or digit',
});

/** A domain: two or more DNS labels joined by dots, at most 253 characters. */
export const domainName = z
  .string()
  .max(253, { message: 'a domain name of at most 253 characters' })
  .refine((s) => s.split('.').length >= 2 && s.split('.').every((l) => DNS_LABEL.test(l)), {
    message: 'a domain name: two or more DNS labels separated by dots, e.g. "domus.lan"',
  });

export const ipv4 = z.string().refine((s) => isIP(s) === 4, { message: 'an IPv4 address, e.g. 192.168.10.20' });

export const cidr = z.string().refine(
  (s) => {
    const [addr, bits, ...rest] = s.split('/');
    if (rest.length > 0 || addr === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
    return isIP(addr) === 4 && Number(bits) <= 32;
  },
  { message: 'an IPv4 CIDR, e.g. 192.168.10.0/24' },
);

export const cpuQuantity = z.string().regex(/^([1-9]\d*m|\d+(\.\d+)?)$/, {
  message: 'a CPU quantity such as "100m" or "1.5"',
});
export const memoryQuantity = z.string().regex(/^[1-9]\d*(Ki|Mi|Gi|Ti)$/, {
  message: 'a memory/storage quantity with a binary unit such as "256Mi" or "10Gi"',
});
/** Image tags are pins: never `latest`, never empty. */
export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/, { message: 'an image tag such as "v3.5.0"' })
  .refine((t) => t.toLowerCase() !== 'latest', { message: 'a pinned tag; "latest" is not allowed' })
  // Issue 25: a pin is a version, not a moving branch name (main, nightly, edge, dev, Latest).
  .refine((t) => VERSION_TAG.test(t), { message: 'a version tag such as "v3.5.0", "12.3.1" or "RELEASE.2025-09-07T16-13-09Z" (branch names like main or nightly move)' });

/** A Prometheus-style duration. */
export const duration = z
  .string()
  .regex(/^\d+(s|m|h|d|w|y)$/, { message: 'a duration such as "15d" or "12h"' })
  .superRefine((s, ctx) => {
    const p = durationProblem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p, input: s });
  });

export const resourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
    limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  })
  // The API server rejects a container whose request exceeds its limit; say so here, with the field.
  .superRefine((r, ctx) => {
    if (cpuCores(r.requests.cpu) > cpuCores(r.limits.cpu))
      ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], input: r.requests.cpu, message: `at most the CPU limit (${r.limits.cpu})` });
    if (toMi(r.requests.memory) > toMi(r.limits.memory))
      ctx.addIssue({ code: 'custom', path: ['requests', 'memory'], input: r.requests.memory, message: `at most the memory limit (${r.limits.memory})` });
  });
export type Resources = z.infer<typeof resourcesSchema>;

/** Requests and limits; the CPU limit defaults to 4× the request (bursty homelab load, bounded). */
export function res(reqCpu: string, reqMem: string, limMem: string, limCpu?: string): Resources {
  const cpuLimit = limCpu ?? (reqCpu.endsWith('m') ? `${parseInt(reqCpu, 10) * 4}m` : String(Number(reqCpu) * 4));
  return { requests: { cpu: reqCpu, memory: reqMem }, limits: { cpu: cpuLimit, memory: limMem } };
}

/** Fields every workload (or workload component) has. */
export function component(defaults: { replicas?: number; resources: Resources }) {
  return {
    replicas: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(defaults.replicas ?? 1),
    resources: resourcesSchema.default(defaults.resources),
  };
}

/**
 * Override of a pinned image tag (config/versions.ts): the container image AND its app.kubernetes.io/version
 * label. Only where the image is pinned on its own; components that must run the same release as their
 * siblings (Argo CD's controller/server/repo server, Wazuh's indexer/manager/dashboard) take the app's one.
 */
export const versionOverride = { version: imageTag.optional() };

/** A component with a data volume of this default size. */
export function statefulComponent(defaults: { replicas?: number; resources: Resources; storage: string }) {
  return { ...component(defaults), storage: memoryQuantity.default(defaults.storage) };
}

/** Mebibytes of a binary memory quantity (validated by memoryQuantity). */
export function toMi(q: string): number {
  const n = parseInt(q, 10);
  if (q.endsWith('Ki')) return n / 1024;
  if (q.endsWith('Gi')) return n * 1024;
  if (q.endsWith('Ti')) return n * 1024 * 1024;
  return n;
}
