export { CIPHER_SUITES, type CipherSuite, type CipherSuiteId } from './cipher-suite.js';
export { CipherSuiteMemory } from './cipher-suite-memory.js';
export { IpmiClient, type IpmiClientOptions, type IpmiSession } from './client.js';
export {
  ChassisAction,
  type ChassisActionName,
  type ChassisStatus,
  type CommandSpec,
  type DeviceId,
  Privilege,
  type PrivilegeName,
} from './commands.js';
export { IpmiCompletionError, IpmiProtocolError } from './errors.js';
export { completionCodeName, rmcpPlusStatusName } from './status-codes.js';
