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
