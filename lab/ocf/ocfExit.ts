/** Exit codes of the OCF resource agent API (OCF 1.1, as Pacemaker reads them). */
export const OCF = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
} as const;

export type OcfExitCode = (typeof OCF)[keyof typeof OCF];

/** An action outcome other than success, with the message Pacemaker's logs will show. */
export class OcfFailure extends Error {
  readonly exitCode: OcfExitCode;

  constructor(exitCode: OcfExitCode, message: string) {
    super(message);
    this.name = 'OcfFailure';
    this.exitCode = exitCode;
  }
}
