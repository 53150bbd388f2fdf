import { HavocError } from '../../core/errors.js';
import { completionCodeName } from './status-codes.js';

/** A command reached the BMC and was answered with a non-zero completion code. */
export class IpmiCompletionError extends HavocError {
  readonly completionCode: number;
  readonly command: string;

  constructor(target: string, command: string, completionCode: number) {
    super('ipmi-completion', `${target} answered ${command} with "${completionCodeName(completionCode)}"`, {
      target,
      hint: completionHint(completionCode),
    });
    this.name = 'IpmiCompletionError';
    this.completionCode = completionCode;
    this.command = command;
  }
}

function completionHint(code: number): string {
  switch (code) {
    case 0xd4:
      return 'the session privilege is too low for this command: use privilege operator or administrator for a user allowed to have it';
    case 0xd5:
      return 'the chassis cannot do this in its present state (a power cycle while off, for example): read the power status and send power up or power down instead';
    case 0xc1:
    case 0xcc:
      return 'this BMC does not implement this command or sub-function: use another action (power down + power up instead of cycle, for example)';
    case 0xc0:
    case 0xd2:
      return 'the BMC is busy or still starting: retry in a few seconds';
    default:
      return 'retry once; if it persists, check the BMC event log (ipmitool sel list)';
  }
}

/** The BMC said something havoc cannot accept (bad framing, unexpected algorithms, refused session). */
export class IpmiProtocolError extends HavocError {
  constructor(message: string, opts: { target: string; hint: string }) {
    super('ipmi-protocol', message, opts);
    this.name = 'IpmiProtocolError';
  }
}
