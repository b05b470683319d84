/** A verify Context for a synthesized site, read back from a temporary dist/ as `npm run verify` reads it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTree } from '../../charts/synth';
import { cachedLoadDist } from '../lib/dist-cache';
import { cachedSynthesis } from '../synth-cache';
import { validateSite } from '../../config/load';
import { Site } from '../../config/schema';
import { siteContextFor } from '../../verify/cli';
import { Context } from '../../verify/types';

export function siteContext(site: Site, files: ReadonlyMap<string, string>): Context {
  const dist = join(mkdtempSync(join(tmpdir(), 'domus-verify-')), 'dist');
  writeTree(dist, files);
  return siteContextFor(site, dist, cachedLoadDist(dist));
}

let example: string | undefined;

/**
 * A dist/ of the example site (the schema defaults), written once per test file: mutation tests that name the
 * example's hosts, mounts and roles run on it, so they hold in a fork whose committed dist/ is its own site.
 */
export function exampleDist(): string {
  if (!example) {
    example = join(mkdtempSync(join(tmpdir(), 'domus-example-')), 'dist');
    writeTree(example, cachedSynthesis(validateSite({}, 'example')).files);
  }
  return example;
}
