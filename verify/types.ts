import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What every check reads and reports. */
export interface Doc {
  /** The object as parsed from YAML. */
  readonly obj: KubeObj;
  /** Path relative to the dist folder, and the 1-based line where the document starts. */
  readonly file: string;
  readonly line: number;
  /**
   * The document's text as read from dist/, which `obj` was parsed from (absent for objects a test builds or
   * edits in memory: an edited object must drop it). credentials scans it; gitops trusts an object whose file is
   * unchanged since the compared revision to be that revision's.
   */
  readonly text?: string;
}

export interface KubeObj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly check: string;
  readonly severity: Severity;
  readonly message: string;
  /** `Kind namespace/name`, when the finding is about one object. */
  readonly object?: string;
  readonly file?: string;
  readonly line?: number;
}

export const id = (o: KubeObj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export function finding(check: string, severity: Severity, message: string, doc?: Doc): Finding {
  return { check, severity, message, ...(doc ? { object: id(doc.obj), file: doc.file, line: doc.line } : {}) };
}

/** Everything a check may use besides the documents. */
export interface Context {
  readonly docs: readonly Doc[];
  readonly dist: string;
  /** Node capacity and Vault address from the site config. */
  readonly nodes: readonly { name: string; cpu: string; memory: string }[];
  readonly vault: { readonly cidrs: readonly string[]; readonly host: string; readonly port: number };
  readonly gitPath: string;
  /**
   * The site's repository and revision (the only source of the stack itself), and the LAN mirrors of the
   * upstream CRD repositories with the tag each must stay pinned at (config/git.ts).
   */
  readonly git?: { readonly repoURL: string; readonly revision: string; readonly pinned?: Readonly<Record<string, string>> };
  /** Extra files of dist (non-objects), by relative path, e.g. intent/flows.json. */
  readonly files: ReadonlyMap<string, string>;
  /** Files of dist/ the loader refused (verify/argocd-source.ts); reported by the `load` check. */
  readonly loadFindings?: readonly Finding[];
}

/** verify/package.json's name. */
export const VERIFY_PACKAGE = '@domus/verify';

/**
 * The project root, whether running from source or from build/: the nearest folder with a package.json that
 * is not verify's own (verify/package.json marks the package, not the repository).
 */
export function projectRoot(): string {
  let dir = __dirname;
  const isRoot = (d: string) => existsSync(join(d, 'package.json')) && (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name !== VERIFY_PACKAGE;
  while (!isRoot(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
