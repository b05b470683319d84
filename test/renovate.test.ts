/**
 * Renovate keeps the pins current: its custom managers (renovate.json) must find every image and chart pin in
 * config/versions.ts, with the datasource that can look it up, and the package rules must allow today's pins
 * and name only dependencies that exist. The managers are applied here the way Renovate applies them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGES, VERSIONS } from '../config/versions';
import { repoRoot } from '../config/load';

interface Manager {
  customType: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  depNameTemplate?: string;
  datasourceTemplate?: string;
  registryUrlTemplate?: string;
}
interface Rule {
  matchPackageNames?: string[];
  allowedVersions?: string;
}
const root = repoRoot();
const config = JSON.parse(readFileSync(join(root, 'renovate.json'), 'utf8')) as { customManagers: Manager[]; packageRules: Rule[] };
/** Renovate writes a regex as "/…/" in managerFilePatterns and allowedVersions. */
const regexOf = (s: string) => new RegExp(s.replace(/^\/(.*)\/$/, '$1'));

interface Dep {
  depName: string;
  currentValue: string;
  datasource: string;
}
function extract(file: string): Dep[] {
  const text = readFileSync(join(root, file), 'utf8');
  return config.customManagers
    .filter((m) => m.managerFilePatterns.some((p) => regexOf(p).test(file)))
    .flatMap((m) =>
      m.matchStrings.flatMap((s) =>
        [...text.matchAll(new RegExp(s, 'g'))].map((hit) => ({
          depName: hit.groups?.depName ?? m.depNameTemplate ?? '',
          currentValue: hit.groups?.currentValue ?? '',
          datasource: hit.groups?.datasource ?? m.datasourceTemplate ?? '',
        })),
      ),
    );
}
const deps = extract('config/versions.ts');

test('custom managers are regex managers in the current syntax, and their patterns are RE2-compatible', () => {
  for (const m of config.customManagers) {
    expect(m.customType).toBe('regex');
    for (const p of m.managerFilePatterns) expect(p).toMatch(/^\/.+\/$/);
    // Renovate runs matchStrings on RE2: no lookaround, no backreferences.
    for (const s of m.matchStrings) expect(s).not.toMatch(/\(\?[=!]|\(\?<[=!]|\\[1-9]/);
  }
});

test('every image pin is found with its repository and tag, as a docker dependency', () => {
  const images = Object.entries(IMAGES).map(([name, ref]) => ({ name, depName: ref.repository, currentValue: ref.tag, datasource: 'docker' }));
  for (const image of images) {
    expect({ name: image.name, found: deps.some((d) => d.depName === image.depName && d.currentValue === image.currentValue && d.datasource === 'docker') }).toEqual({
      name: image.name,
      found: true,
    });
  }
  // Each pin exactly once: two managers on one pin would open competing pull requests.
  const keys = deps.map((d) => `${d.depName}@${d.currentValue}`);
  expect(keys.length).toBe(new Set(keys).size);
});

test('k3s and the Cilium chart are found with a datasource that can look them up', () => {
  expect(deps).toContainEqual({ depName: 'k3s-io/k3s', currentValue: VERSIONS.k3s, datasource: 'github-releases' });
  expect(deps).toContainEqual({ depName: 'cilium/cilium-cli', currentValue: VERSIONS.ciliumCli, datasource: 'github-releases' });
  expect(deps).toContainEqual({ depName: 'cilium', currentValue: VERSIONS.cilium, datasource: 'helm' });
  expect(config.customManagers.find((m) => m.depNameTemplate === 'cilium')?.registryUrlTemplate).toBe('https://helm.cilium.io');
});

test('package rules name only dependencies the managers find, and allow the pins in use', () => {
  const names = new Set(deps.map((d) => d.depName));
  for (const rule of config.packageRules) {
    for (const name of rule.matchPackageNames ?? []) expect({ name, known: names.has(name) }).toEqual({ name, known: true });
    if (rule.allowedVersions) {
      for (const name of rule.matchPackageNames ?? []) {
        const pin = deps.find((d) => d.depName === name)!.currentValue;
        expect({ name, pin, allowed: regexOf(rule.allowedVersions).test(pin) }).toEqual({ name, pin, allowed: true });
      }
    }
  }
});
