export { ChannelSlots } from './channel-slots.js';
export type { ExecOptions, ExecResult } from './connection.js';
export { HostKeyError, SshCommandError } from './errors.js';
export { type HostKeyCheck, hostKeyCheck } from './host-key.js';
export {
  checkKnownHost,
  type KnownHostEntry,
  type KnownHostVerdict,
  knownHostsName,
  parseKnownHosts,
  sha256Fingerprint,
} from './known-hosts.js';
export { type SshHostStats, SshPool, type SshPoolOptions } from './pool.js';
export type { SshTarget } from './target.js';
