import { HavocError } from '../../core/errors.js';

/**
 * The agent answered, but with an error: an error-status in the response PDU
 * (noAccess, notWritable, noCreation, ...), or a malformed answer. `status`
 * is the RFC 3416 name of the error-status when there is one.
 */
export class SnmpError extends HavocError {
  readonly status: string | undefined;

  constructor(message: string, opts: { target?: string; hint?: string; status?: string } = {}) {
    super(opts.status ? 'snmp-refused' : 'snmp', message, opts);
    this.name = 'SnmpError';
    this.status = opts.status;
  }
}

/** RFC 3416 error-status names, by value; net-snmp's own names are capitalised differently. */
const ERROR_STATUS = [
  'noError',
  'tooBig',
  'noSuchName',
  'badValue',
  'readOnly',
  'genErr',
  'noAccess',
  'wrongType',
  'wrongLength',
  'wrongEncoding',
  'wrongValue',
  'noCreation',
  'inconsistentValue',
  'resourceUnavailable',
  'commitFailed',
  'undoFailed',
  'authorizationError',
  'notWritable',
  'inconsistentName',
];

export function errorStatusName(status: number): string {
  return ERROR_STATUS[status] ?? `error-status ${status}`;
}

/** What a person should do about an error-status, where there is something to do. */
export function errorStatusHint(status: string, isSet: boolean): string | undefined {
  switch (status) {
    case 'noAccess':
    case 'authorizationError':
      return isSet
        ? 'the community or v3 user has no write access to this object: use the write community (writeCommunity) or a v3 user with a write view'
        : "the community or v3 user may not read this object: check the agent's view configuration";
    case 'notWritable':
    case 'readOnly':
      return 'the agent does not allow setting this object';
    case 'noCreation':
    case 'noSuchName':
      return 'no such instance on the agent: the ifIndex may have changed (re-resolve the port)';
    case 'wrongType':
    case 'wrongValue':
    case 'badValue':
    case 'inconsistentValue':
      return 'the agent rejected the value';
    case 'tooBig':
      return 'ask for fewer objects per request (lower maxRepetitions)';
    default:
      return undefined;
  }
}
