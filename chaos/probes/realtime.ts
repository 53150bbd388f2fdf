import { execFile } from 'node:child_process';
import { HavocError } from '../../core/errors.js';

/**
 * Moves a process's main thread to SCHED_RR priority 10 (`chrt -r -p`), so a
 * loaded machine cannot keep it off the CPU between sends. Nice values do
 * not do this where the kernel groups tasks by session (autogroup). The
 * kernel's real-time throttling still leaves 5% of each CPU to the rest.
 */
export function raiseToRealtime(pid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('chrt', ['-r', '-p', '10', String(pid)], { timeout: 5_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      reject(
        new HavocError(
          'environment',
          `cannot raise the prober to real-time priority: ${stderr.trim() || err.message}`,
          {
            hint: 'run as root (CAP_SYS_NICE), or probe without --realtime',
          },
        ),
      );
    });
  });
}
