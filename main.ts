// Synthesizes the stack into dist/ (or $CDK8S_OUTDIR when run by `cdk8s synth`). See charts/cli.ts.
import { runSynth } from './charts/cli';

process.exitCode = runSynth(process.argv.slice(2));
