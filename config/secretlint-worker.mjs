// Runs secretlint's recommended rules (@secretlint/secretlint-rule-preset-recommend) over texts and answers the
// findings ([{ id, rule, message, line }], secrets masked). secretlint is ESM with an async API while the config
// check and verify are synchronous CommonJS, so this runs in a worker thread that config/secret-scan.ts waits
// for synchronously (Atomics.wait on a shared flag, then receiveMessageOnPort): one worker per process, so a
// scan costs the lint, not a node start-up.
import { parentPort, workerData } from 'node:worker_threads';
import { lintSource } from '@secretlint/core';
import { rules } from '@secretlint/secretlint-rule-preset-recommend';

// Every rule of the preset except filter-comments: that one honours `secretlint-disable` comments, which would let
// the scanned text (a site file, a hand-edited dist/) switch the scanner off. Registered one by one, because a
// `disabled` entry under the preset is not applied by @secretlint/core 12.0.0 (and 13.1.0) to the preset's own rules.
const FILTER = '@secretlint/secretlint-rule-filter-comments';
const config = { rules: rules.filter((r) => r.meta.id !== FILTER).map((r) => ({ id: r.meta.id, rule: r })) };

async function scan(items) {
  if (config.rules.length !== rules.length - 1) throw new Error(`secretlint preset: expected ${FILTER} among its rules`);
  const results = await Promise.all(
    items.map(async ({ id, text }) => {
      const r = await lintSource({
        source: { filePath: `/${id}`, content: text, contentType: 'text', ext: '.txt' },
        options: { config, noPhysicFilePath: true, maskSecrets: true },
      });
      // Progress for the waiting thread (config/secret-scan.ts ask): one more text scanned.
      Atomics.add(flag, 1, 1);
      return r.messages.map((m) => ({ id, rule: m.ruleId, message: m.message, line: m.loc?.start?.line ?? 0 }));
    }),
  );
  return results.flat();
}

const { flag, port } = workerData;
port.on('message', async (items) => {
  let answer;
  try {
    answer = { findings: await scan(items) };
  } catch (e) {
    answer = { error: String(e?.message ?? e) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
parentPort?.postMessage('ready');
