/**
 * The shape of DAY0 (dist/bootstrap/DAY0.md, rendered by day0/bootstrap.ts): numbered steps, each run on one
 * machine, each command with the output it prints when it worked. Apps add their own steps through their
 * declaration (`day0` in constructs/lib/app.ts), placed after a step of the core sequence.
 */

import type { Site } from '../../config/schema';
import { sh } from './quote';

/** The workstation's kubeconfig for this cluster (copied from the first server, mode 0600, owned by the operator). */
export function workstationKubeconfig(site: Site): string {
  return `"$HOME/.kube/"${sh(`${site.cluster.name}.yaml`)}`;
}

/**
 * Where a step runs:
 * - `workstation`: the operator's machine, in a clone of this repository (git, kubectl, helm, vault, argocd);
 * - `server`: the first server node, in a root shell (`sudo -i`) inside the copied `domus-bootstrap` folder.
 */
export type Day0Where = 'workstation' | 'server';

export interface Day0Command {
  /** One shell line (bash). A line starting with `#` is a note to the operator, not a command. */
  readonly run: string;
  /** What the command prints when it worked; absent when it prints nothing. */
  readonly expect?: string;
}

export interface Day0Step {
  readonly id: string;
  readonly title: string;
  readonly where: Day0Where;
  readonly commands: readonly Day0Command[];
  /** The state that must hold before the next step. */
  readonly done: string;
}

/** A step an app adds: rendered right after the core step `after` (a Day0Step id). */
export interface AppDay0Step extends Day0Step {
  readonly after: string;
}

/** A note line in a step's commands. */
export const note = (text: string): Day0Command => ({ run: `# ${text}` });
