import { describeCorrupt } from '../../chaos/jsonl/read-lines.js';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import { fail, pass, type SteadyCheck } from './check.js';

/** The fault ledger holds no fault that is not reverted, and no corrupt line. */
export const ledgerEmpty: SteadyCheck = {
  name: 'ledgerEmpty',
  summary: 'the fault ledger holds no unreverted fault and no corrupt line',
  async check(ctx) {
    const view = readLedger(ctx.ledgerDir);
    const open = unreverted(view);
    if (view.corrupt.length)
      return fail(`the ledger ${ctx.ledgerDir} has a corrupt line: ${describeCorrupt(view.corrupt[0]!)}`);
    if (open.length)
      return fail(
        `the ledger ${ctx.ledgerDir} holds ${open.length} fault(s) not reverted: ${open
          .map((f) => `${f.id} ${f.intended?.description.summary ?? '?'} (${f.state})`)
          .join('; ')}`,
      );
    return pass('the ledger holds no unreverted fault');
  },
};
