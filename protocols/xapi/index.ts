export {
  type PoolHaSetup,
  type PoolHaSnapshot,
  readPoolHa,
  readPoolHaSetup,
  withXapiSession,
  type XapiCallOptions,
  XapiSession,
  type XapiSessionCall,
  type XapiTarget,
} from './xapiClient.js';
export {
  parseEventBatch,
  snapshotField,
  XAPI_EVENT_OPERATIONS,
  type XapiEvent,
  type XapiEventBatch,
} from './xapiEvents.js';
export {
  type HostLiveness,
  type PoolHa,
  parseHostNames,
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
  parsePoolStatefiles,
  parseStatefileSrs,
  parseVmMemory,
  parseVmRecords,
  type StatefileSr,
  XAPI_NULL_REF,
  XapiError,
  type XapiVm,
} from './xapiRecords.js';
