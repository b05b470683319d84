/**
 * Output snapshots only where nothing else pins the bytes (issue 15). The default site's charts are not
 * snapshotted: test/dist.test.ts compares every file of dist/ with a fresh synthesis of the site in use, and
 * the shipped site.yaml synthesizes byte for byte like the schema defaults, so a snapshot of them would be a
 * second copy of dist/. Non-default sites have no committed dist/: their behaviour is asserted where it
 * differs (test/multinode.test.ts runs verify on the three-node example; traefik, minio and wazuh tests build
 * their variants), and here each one's inventory (which objects each file holds, and which files exist) is
 * snapshotted, a few lines a review reads, so an object that appears or vanishes on a non-default site shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SiteInput } from '../config/schema';
import { parseAllDocuments } from 'yaml';
import { synth } from './helpers';

const threeNode = parse(readFileSync(join(__dirname, '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;
const SITES: Record<string, SiteInput> = {
  // The multi-node example of the README (replicas, anti-affinity, PDBs, distributed MinIO).
  'three-node example': threeNode,
  // k3s' own load balancer and no SIEM: the smallest homelab the README describes.
  'servicelb without wazuh': { loadBalancer: { provider: 'servicelb' }, workloads: { wazuh: { enabled: false } } },
};

describe.each(Object.entries(SITES))('%s', (_name, input) => {
  const base = synth().files;
  const mine = synth(input).files;
  const changed = [...mine.keys()].filter((f) => base.get(f) !== mine.get(f)).sort();

  test('differs from the default site (otherwise it would add nothing to the dist check)', () => {
    expect(changed.length).toBeGreaterThan(0);
  });
  test('inventory: every file, and the objects of each YAML file', () => {
    const inventory = [...mine.keys()].sort().map((file) => {
      if (!file.endsWith('.yaml')) return `${file}${changed.includes(file) ? ' (differs)' : ''}`;
      const objects = parseAllDocuments(mine.get(file)!).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null);
      const names = objects.filter((o) => o?.kind).map((o) => `  ${o!.kind} ${o!.metadata?.namespace ? `${o!.metadata.namespace}/` : ''}${o!.metadata?.name ?? ''}`);
      return [`${file}${changed.includes(file) ? ' (differs)' : ''}`, ...names].join('\n');
    });
    expect(inventory.join('\n')).toMatchSnapshot();
  });
});
