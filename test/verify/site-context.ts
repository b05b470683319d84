/** A verify Context for a synthesized site, read back from a temporary dist/ as `npm run verify` reads it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTree } from '../../charts/synth';
import { Site } from '../../config/schema';
import { loadDist } from '../../verify/load';
import { Context } from '../../verify/types';

export function siteContext(site: Site, files: ReadonlyMap<string, string>): Context {
  const dist = join(mkdtempSync(join(tmpdir(), 'domus-verify-')), 'dist');
  writeTree(dist, files);
  const { docs, files: other } = loadDist(dist);
  const url = new URL(site.vault.address);
  return {
    docs,
    files: other,
    dist,
    nodes: site.nodes.map((n) => ({ name: n.name, ...n.capacity })),
    vault: { cidrs: site.vault.cidrs, host: url.hostname, port: Number(url.port || 443) },
    gitPath: site.git.path,
    git: { repoURL: site.git.repoURL, revision: site.git.revision },
  };
}
