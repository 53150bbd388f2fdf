import type { CliIo } from './io.js';

/**
 * Ctrl-C and SIGTERM for a long run that reverts what it broke: the first
 * aborts the returned signal (saying `first`), a second only says that the
 * revert is still under way, so a user who presses twice does not leave a
 * fault in place. `release()` removes the handlers.
 */
export function interruptOnSignals(io: CliIo, first: string): { signal: AbortSignal; release(): void } {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted)
      io.progress('still reverting: the fault in effect is reverted before the run ends');
    else {
      io.progress(first);
      interrupt.abort(new Error('interrupted'));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: interrupt.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
