/**
 * The three-node example site (config/examples/three-node.yaml: three nodes, replicated workloads with
 * PodDisruptionBudgets, distributed MinIO) on its own real control plane: the same tests as the default site
 * (test/lib/site-suite.ts). In the slow tier (CI, `npm test -- --slow`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateSite } from '../config/load';
import type { SiteInput } from '../config/schema';
import { siteContextFor } from '../verify/cli';
import { synth } from './helpers';
import { closeSites, describeSiteOnApi } from './lib/site-suite';
import { writeDist } from './lib/stack-on-api';

const example = parse(readFileSync(join(__dirname, '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;

afterAll(closeSites, 60_000);

// A second control plane (~15 s of CPU): the slow tier, which CI always runs (issue 22); the site in use keeps its
// own in every run (test/control-plane.test.ts).
describeSiteOnApi('the three-node example site', 'three-node', () => siteContextFor(validateSite(example, 'three-node.yaml'), writeDist(synth(example).files)), {
  slowTier: true,
});
