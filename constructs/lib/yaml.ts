/**
 * YAML emission, one module for every emitter (manifests in dist/, config files inside ConfigMaps, day-0
 * files), so every YAML text of the stack follows the same rules:
 * - `version: '1.1'` quotes strings such as `off`, `yes` or `0755` that a YAML 1.1 parser (kubectl, Argo CD,
 *   Go's yaml.v2 in Prometheus or Traefik) would otherwise read as booleans or octal numbers;
 * - no line folding (`lineWidth: 0`): long commands and templates stay one line, as written;
 * - no anchors/aliases for repeated objects: every consumer reads each object whole.
 */
import { stringify } from 'yaml';

/** One YAML document. */
export function yamlDoc(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several documents separated by `---` (a manifest file). */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map(yamlDoc).join('---\n');
}
