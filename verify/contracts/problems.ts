/** How a contract violation reads in a finding: the first problems with their JSON paths (`[2].port: …`). */
import type { z } from 'zod';

export function contractProblems(error: z.ZodError, max = 5): string[] {
  const at = (path: readonly PropertyKey[]) =>
    path.length
      ? path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : '(file)';
  const shown = error.issues.slice(0, max).map((i) => `${at(i.path)}: ${i.message}`);
  return error.issues.length > max ? [...shown, `and ${error.issues.length - max} more`] : shown;
}
