export {
  type PoolHaSnapshot,
  readPoolHa,
  type XapiCallOptions,
  XapiSession,
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
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
  XapiError,
} from './xapiRecords.js';
