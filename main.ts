// Synthesizes the site (site.yaml) into dist/: `npm run synth`, or `npx cdk8s synth` (see cdk8s.yaml). charts/cli.ts.
import { runSynth } from './charts/cli';

process.exitCode = runSynth(process.argv.slice(2));
