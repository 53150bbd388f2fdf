export {
  type CfgtoolStatus,
  type CorosyncLink,
  type CorosyncLinkPeer,
  parseCfgtoolStatus,
} from './cfgtool.js';
export { parseNodelist } from './nodelist.js';
export { parseQuorumtoolStatus, type QuorumMember, type QuorumStatus } from './quorumtool.js';
