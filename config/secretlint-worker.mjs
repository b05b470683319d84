// Runs secretlint's recommended rules (@secretlint/secretlint-rule-preset-recommend) over texts read as JSON
// from stdin ([{ id, text }]) and prints the findings as JSON ([{ id, rule, message, line }]), secrets masked.
// A separate process because secretlint is ESM with an async API, and the config check and verify are
// synchronous CommonJS (config/secret-scan.ts calls this with spawnSync).
import { lintSource } from '@secretlint/core';
import { creator } from '@secretlint/secretlint-rule-preset-recommend';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
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
