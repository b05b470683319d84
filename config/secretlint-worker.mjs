// Runs secretlint's recommended rules (@secretlint/secretlint-rule-preset-recommend) over texts read as JSON
// from stdin ([{ id, text }]) and prints the findings as JSON ([{ id, rule, message, line }]), secrets masked.
// A separate process because secretlint is ESM with an async API, and the config check and verify are
// synchronous CommonJS (config/secret-scan.ts calls this with spawnSync).
import { lintSource } from '@secretlint/core';
import { rules } from '@secretlint/secretlint-rule-preset-recommend';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
// Every rule of the preset except filter-comments: that one honours `secretlint-disable` comments, which would let
// the scanned text (a site file, a hand-edited dist/) switch the scanner off. Registered one by one, because a
// `disabled` entry under the preset is not applied by @secretlint/core 13.1.0 to the preset's own rules.
const FILTER = '@secretlint/secretlint-rule-filter-comments';
const config = { rules: rules.filter((r) => r.meta.id !== FILTER).map((r) => ({ id: r.meta.id, rule: r })) };
if (config.rules.length !== rules.length - 1) throw new Error(`secretlint preset: expected ${FILTER} among its rules`);
const results = await Promise.all(
  items.map(async ({ id, text }) => {
    const r = await lintSource({
      source: { filePath: `/${id}`, content: text, contentType: 'text', ext: '.txt' },
      options: { config, noPhysicFilePath: true, maskSecrets: true },
    });
    return r.messages.map((m) => ({ id, rule: m.ruleId, message: m.message, line: m.loc?.start?.line ?? 0 }));
  }),
);
process.stdout.write(JSON.stringify(results.flat()));
