export {
  CIBADMIN_CONSTRAINTS_ARGV,
  type CliConstraint,
  cliConstraints,
  type LocationConstraint,
  locationOf,
  parseCliConstraints,
  parseLocationConstraints,
} from './constraints.js';
export {
  type CrmMonStatus,
  type CrmMonSummary,
  PCMK_INFINITY,
  type PcmkFailCount,
  type PcmkFailure,
  type PcmkNode,
  type PcmkResource,
  parseCrmMonXml,
} from './crmMon.js';
export {
  CRM_MON_ARGV,
  type CrmMonNodeFailure,
  type CrmMonReading,
  type CrmMonRun,
  type CrmMonRunner,
  CrmMonUnavailableError,
  type ReadCrmMonOptions,
  readCrmMon,
} from './read-crm-mon.js';
export { sshCrmMonRunner } from './ssh-crm-mon.js';
export {
  FENCE_EVENT_STATUSES,
  type FenceEvent,
  type FenceEventStatus,
  parseFenceEvent,
  parseStonithHistory,
} from './stonith-history.js';
