/**
 * `npm run docs`: writes the generated parts of the documentation (charts/generated-docs.ts: the README sections
 * and docs/runbook.md, from the example site and the registry). `npm run synth` into the repository's dist/ writes
 * them too; `npm test` only checks them (test/bootstrap.test.ts). The documents derived from the operator's site
 * (the network-flow matrix, the RBAC inventory) are written by `npm run synth` under dist/docs/ (charts/docs.ts).
 */
import { join } from 'node:path';
import { generatedDocs, marker, sectionOf, writeGeneratedDocs } from '../charts/generated-docs';

const root = join(__dirname, '..');
export { marker, sectionOf };

/** Generated README sections by marker name. */
export function readmeSections(): Record<string, string> {
  return generatedDocs(root).sections;
}

export function runbookDoc(): string {
  return generatedDocs(root).runbook;
}

if (require.main === module || process.argv[1]?.endsWith('scripts-docs.js')) {
  writeGeneratedDocs(root);
  process.stdout.write('README.md (day0, synth-output, three-node), docs/runbook.md updated (dist/docs/ is written by npm run synth)\n');
}
