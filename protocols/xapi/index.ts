export { type PoolHaSnapshot, readPoolHa, type XapiCallOptions, type XapiTarget } from './xapiClient.js';
export {
  type HostLiveness,
  type PoolHa,
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
  XapiError,
} from './xapiRecords.js';
