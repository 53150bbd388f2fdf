import { createInterface } from 'node:readline';
import { errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { Redactor } from '../../core/redact.js';
import { FaultContexts } from '../fault-contexts.js';
import { heal } from '../heal.js';
import { readLedger } from '../ledger/reader.js';
import { openLedger } from '../ledger/writer.js';
import { GUARDIAN_READY, type GuardianConfig, guardianConfig, guardianMessage } from './protocol.js';

/**
 * The guardian process (started by chaos/guardian/launch.ts, never by hand).
 * It reverts its run's faults when the run's pipe closes and any fault that
 * outlives its maximum duration while the run lives. Its stderr is its log.
 */
const HEAL_DEADLINE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 5 * 60_000;

// A Ctrl-C or a hang-up meant for the run must not stop the one process that heals after it.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

await guard();

async function guard(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const config: GuardianConfig = guardianConfig.parse(JSON.parse(first.value));
  const redactor = new Redactor();
  const log = createLogger(config.logLevel, redactor, process.stderr).child({ guardian: config.run });
  const contexts = new FaultContexts(redactor, log);
  const ledger = openLedger(config.ledgerDir, `guardian-${config.run}`, redactor);
  const timers = new Map<string, NodeJS.Timeout>();
  // One heal at a time, in the order asked for.
  let queue: Promise<void> = Promise.resolve();

  const healWhere = (why: string, only: Parameters<typeof heal>[0]['only']) => {
    queue = queue.then(async () => {
      try {
        const r = await heal({
          ledgerDir: config.ledgerDir,
          ledger,
          contexts,
          log,
          signal: AbortSignal.timeout(HEAL_DEADLINE_MS),
          lockWaitMs: LOCK_WAIT_MS,
          why,
          ...(only ? { only } : {}),
        });
        for (const h of r.healed)
          log.warn({ fault: h.id, evidence: h.evidence }, `healed ${h.summary} (${why})`);
        for (const f of r.failed)
          log.error(
            { fault: f.id, evidence: f.evidence },
            `could not heal ${f.summary ?? f.id}: ${f.reason}`,
          );
        for (const c of r.corrupt) log.error(`corrupt ledger line ${c.file}:${c.line}: ${c.message}`);
      } catch (err) {
        log.error(`heal failed (${why}): ${errorMessage(err)}; run havoc heal`);
      }
    });
    return queue;
  };

  const watch = (id: string) => {
    const intent = readLedger(config.ledgerDir).faults.find((f) => f.id === id)?.intended;
    if (!intent) {
      log.error(`the run asked to watch ${id}, which the ledger does not hold`);
      return;
    }
    const deadlineNs = BigInt(intent.ns) + BigInt(intent.maxDurationMs) * 1_000_000n;
    const remainingMs = Number((deadlineNs - process.hrtime.bigint()) / 1_000_000n);
    timers.set(
      id,
      setTimeout(
        () => {
          timers.delete(id);
          void healWhere(
            `${id} outlived its maximum duration of ${intent.maxDurationMs} ms`,
            (f) => f.id === id,
          );
        },
        Math.max(0, remainingMs),
      ),
    );
  };

  process.stdout.write(`${GUARDIAN_READY}\n`);
  log.info('guarding');
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    try {
      const m = guardianMessage.parse(JSON.parse(next.value));
      if ('watch' in m) watch(m.watch);
      else {
        clearTimeout(timers.get(m.done));
        timers.delete(m.done);
      }
    } catch (err) {
      log.error(`unreadable message from the run: ${errorMessage(err)}`);
    }
  }
  for (const t of timers.values()) clearTimeout(t);
  await healWhere(`run ${config.run} ended`, (f) => f.intended?.by === config.run);
  ledger.close();
  contexts.close();
  log.info('done');
}
