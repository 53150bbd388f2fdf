/**
 * Names for the two kinds of numeric answers a BMC gives: RMCP+ status codes
 * in Open Session and RAKP responses (IPMI 2.0 table 13-15) and completion
 * codes of IPMI commands (table 5-2).
 */

export const RmcpPlusStatus = {
  noErrors: 0x00,
  insufficientResources: 0x01,
  invalidSessionId: 0x02,
  invalidPayloadType: 0x03,
  invalidAuthAlgorithm: 0x04,
  invalidIntegrityAlgorithm: 0x05,
  noMatchingAuthPayload: 0x06,
  noMatchingIntegrityPayload: 0x07,
  inactiveSessionId: 0x08,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  insufficientResourcesForRole: 0x0b,
  invalidNameLength: 0x0c,
  unauthorizedName: 0x0d,
  unauthorizedGuid: 0x0e,
  invalidIntegrityCheckValue: 0x0f,
  invalidConfidentialityAlgorithm: 0x10,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
} as const;

const RMCP_PLUS_STATUS_NAMES: Record<number, string> = {
  0: 'no errors',
  1: 'insufficient resources to create a session',
  2: 'invalid session ID',
  3: 'invalid payload type',
  4: 'invalid authentication algorithm',
  5: 'invalid integrity algorithm',
  6: 'no matching authentication payload',
  7: 'no matching integrity payload',
  8: 'inactive session ID',
  9: 'invalid role',
  10: 'unauthorized role or privilege level requested',
  11: 'insufficient resources to create a session at the requested role',
  12: 'invalid name length',
  13: 'unauthorized name',
  14: 'unauthorized GUID',
  15: 'invalid integrity check value',
  16: 'invalid confidentiality algorithm',
  17: 'no cipher suite match with proposed security algorithms',
  18: 'illegal parameter',
};

export function rmcpPlusStatusName(status: number): string {
  return `${RMCP_PLUS_STATUS_NAMES[status] ?? 'unknown RMCP+ status'} (0x${hex(status)})`;
}

/** Statuses by which a BMC says "not this cipher suite", so the next suite may work. */
export function isCipherRefusal(status: number): boolean {
  return (
    status === RmcpPlusStatus.invalidAuthAlgorithm ||
    status === RmcpPlusStatus.invalidIntegrityAlgorithm ||
    status === RmcpPlusStatus.noMatchingAuthPayload ||
    status === RmcpPlusStatus.noMatchingIntegrityPayload ||
    status === RmcpPlusStatus.invalidConfidentialityAlgorithm ||
    status === RmcpPlusStatus.noCipherSuiteMatch
  );
}

const COMPLETION_CODE_NAMES: Record<number, string> = {
  0: 'command completed normally',
  192: 'node busy',
  193: 'invalid command',
  194: 'command invalid for given LUN',
  195: 'timeout while processing command',
  196: 'out of space',
  197: 'reservation canceled or invalid reservation ID',
  198: 'request data truncated',
  199: 'request data length invalid',
  200: 'request data field length limit exceeded',
  201: 'parameter out of range',
  202: 'cannot return number of requested data bytes',
  203: 'requested sensor, data, or record not present',
  204: 'invalid data field in request',
  205: 'command illegal for specified sensor or record type',
  206: 'command response could not be provided',
  207: 'cannot execute duplicated request',
  208: 'SDR repository in update mode',
  209: 'device in firmware update mode',
  210: 'BMC initialization in progress',
  211: 'destination unavailable',
  212: 'insufficient privilege level',
  213: 'command not supported in present state',
  214: 'command sub-function disabled or unavailable',
  255: 'unspecified error',
};

export function completionCodeName(code: number): string {
  return `${COMPLETION_CODE_NAMES[code] ?? 'unknown completion code'} (0x${hex(code)})`;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
