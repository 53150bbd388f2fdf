import { errorMessage } from '../../core/errors.js';
import { secretRefsOf } from '../secret-refs.js';
import { describeRef } from '../secrets.js';
import type { Finding, PreflightCheck } from './finding.js';

export const secretsCheck: PreflightCheck = {
  name: 'secrets',
  description: 'every secret reference resolves, and secret files are not readable by group or others',
  run({ inventory, secrets }) {
    const findings: Finding[] = [];
    for (const { path, ref } of secretRefsOf(inventory)) {
      try {
        secrets.resolve(ref, path);
      } catch (err) {
        findings.push({
          id: 'secret.unresolved',
          severity: 'error',
          // With the hint: the fix (e.g. a longer secret) is part of the finding.
          message: errorMessage(err),
          objects: [path],
        });
        continue;
      }
      if (secrets.isWorldReadable(ref)) {
        findings.push({
          id: 'secret.readable',
          severity: 'warning',
          message: `${path}: ${describeRef(ref)} is readable by group or others (chmod 600 it)`,
          objects: [path],
        });
      }
    }
    return findings;
  },
};
