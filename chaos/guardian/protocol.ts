import { z } from 'zod';

/**
 * What a run tells its guardian, one JSON object per line on the guardian's
 * stdin. The first line configures it; the pipe closing (the run finished,
 * crashed or was killed with SIGKILL) is the signal to heal.
 */
export const guardianConfig = z.strictObject({
  ledgerDir: z.string().min(1),
  run: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});
export type GuardianConfig = z.infer<typeof guardianConfig>;

export const guardianMessage = z.union([
  /** An intent was recorded: revert it when it outlives its maximum duration. */
  z.strictObject({ watch: z.string().min(1) }),
  /** The run reverted it itself. */
  z.strictObject({ done: z.string().min(1) }),
]);
export type GuardianMessage = z.infer<typeof guardianMessage>;

/** The guardian's one line on stdout, once it listens. */
export const GUARDIAN_READY = 'ready';
