/** A verify Context for a synthesized site, read back from a temporary dist/ as `npm run verify` reads it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTree } from '../../charts/synth';
import { Site } from '../../config/schema';
import { siteContextFor } from '../../verify/cli';
import { Context } from '../../verify/types';

export function siteContext(site: Site, files: ReadonlyMap<string, string>): Context {
  const dist = join(mkdtempSync(join(tmpdir(), 'domus-verify-')), 'dist');
  writeTree(dist, files);
  return siteContextFor(site, dist);
}
