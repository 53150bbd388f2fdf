export {
  type DomainDisk,
  type GuestCpuMode,
  type LibvirtDomain,
  parseDomainXml,
} from './domain-xml.js';
export { type CompletedJob, parseDomJobInfo } from './domjobinfo.js';
export {
  domstateIsStuck,
  parseVirshDominfo,
  parseVirshDomstate,
  parseVirshList,
  VIRSH_DOMAIN_STATES,
  type VirshDomainState,
  type VirshDomInfo,
  type VirshDomState,
  type VirshListEntry,
} from './virsh.js';
export {
  LineSplitter,
  lifecycleOf,
  parseVirshEventLine,
  type VirshEvent,
  type VirshLifecycle,
} from './virsh-event.js';
