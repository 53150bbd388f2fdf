export {
  type PoolHaSnapshot,
  readPoolHa,
  withXapiSession,
  type XapiCallOptions,
  type XapiSessionCall,
  type XapiTarget,
} from './xapiClient.js';
export {
  type HostLiveness,
  type PoolHa,
  parseHostNames,
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
  parseVmRecords,
  XAPI_NULL_REF,
  XapiError,
  type XapiVm,
} from './xapiRecords.js';
