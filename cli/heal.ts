import { Command } from 'commander';
import { FaultContexts } from '../chaos/fault-contexts.js';
import { heal } from '../chaos/heal.js';
import { describeCorrupt } from '../chaos/jsonl/read-lines.js';
import { openLedger } from '../chaos/ledger/writer.js';
import { newRunId } from '../chaos/run-id.js';
import { parseDuration } from '../core/duration.js';
import { ledgerDirFor } from './chaos-paths.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';

export function healCommand(env: CommandEnv): Command {
  return new Command('heal')
    .description(
      'revert every fault the ledger shows as not reverted, newest first, and verify each (exit 0 all healed, 1 otherwise)',
    )
    .option(
      '--ledger <dir>',
      "fault ledger directory (default: $HAVOC_LEDGER_DIR, the lab's, /var/lib/havoc/ledger)",
    )
    .option('--wait <duration>', 'how long to wait for another healer (a guardian) to finish', '5m')
    .action(
      env.run(async (opts: { ledger?: string; wait: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const ledgerDir = ledgerDirFor(opts.ledger, g.inventory, env.streams.env, g.lab);
        const contexts = new FaultContexts(io.redactor, io.log);
        const ledger = openLedger(ledgerDir, `heal-${newRunId()}`, io.redactor);
        try {
          const r = await heal({
            ledgerDir,
            ledger,
            contexts,
            log: io.log,
            signal: AbortSignal.timeout(30 * 60_000),
            lockWaitMs: parseDuration(opts.wait, '--wait'),
            why: 'havoc heal',
          });
          if (g.json) io.json({ ledgerDir, ...r });
          else {
            if (r.healed.length + r.failed.length === 0) io.out(`ledger ${ledgerDir}: nothing to heal`);
            for (const h of r.healed) io.out(`healed ${h.id}: ${h.summary}`);
            for (const f of r.failed) io.err(`havoc: NOT healed ${f.id}: ${f.summary ?? '?'}: ${f.reason}`);
            for (const c of r.corrupt)
              io.err(
                `havoc: corrupt ledger line ${describeCorrupt(c)} (what it held may still be in effect)`,
              );
          }
          return r.failed.length === 0 && r.corrupt.length === 0 ? EXIT.ok : EXIT.failed;
        } finally {
          ledger.close();
          contexts.close();
        }
      }),
    );
}
