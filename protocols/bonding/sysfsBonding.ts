import { HavocError } from '../../core/errors.js';
import { decodeLacpPortState, type LacpPortState } from '../lacp/port-state.js';
import { BOND_MODES, type BondMode, MII_STATUSES, type MiiStatus } from './procBonding.js';

/**
 * /sys/class/net/<bond>/bonding/* as read by a collector: file name -> content.
 * Files the caller did not read (or the kernel does not have) are simply absent.
 */
export type SysfsFiles = Readonly<Record<string, string>>;

export interface BondSysfs {
  mode: BondMode | undefined;
  slaves: string[];
  activeSlave: string | undefined;
  miiStatus: MiiStatus | undefined;
  miimonMs: number | undefined;
  upDelayMs: number | undefined;
  downDelayMs: number | undefined;
  minLinks: number | undefined;
  lacpRate: 'slow' | 'fast' | undefined;
  adSelect: string | undefined;
  xmitHashPolicy: string | undefined;
  adAggregator: number | undefined;
  adNumPorts: number | undefined;
  adActorKey: number | undefined;
  adPartnerKey: number | undefined;
  adPartnerMac: string | undefined;
  /** Files this parser does not interpret, trimmed. */
  extra: Record<string, string>;
}

/** /sys/class/net/<bond>/lower_<slave>/bonding_slave/* (bond_sysfs_slave.c). */
export interface BondSlaveSysfs {
  state: 'active' | 'backup' | undefined;
  miiStatus: MiiStatus | undefined;
  linkFailureCount: number | undefined;
  permHwaddr: string | undefined;
  queueId: number | undefined;
  /** undefined for "N/A": not 802.3ad, or no aggregator. */
  adAggregatorId: number | undefined;
  adActorOperPortState: LacpPortState | undefined;
  adPartnerOperPortState: LacpPortState | undefined;
  adActorOperPortStateRaw: number | undefined;
  adPartnerOperPortStateRaw: number | undefined;
  extra: Record<string, string>;
}

function fail(file: string, expected: string, content: string): never {
  throw new HavocError(
    'bonding-parse',
    `sysfs bonding file ${file}: expected ${expected}, got ${JSON.stringify(content)}`,
  );
}

function int(file: string, content: string): number | undefined {
  if (content === '') return undefined;
  if (!/^\d+$/.test(content)) fail(file, 'an integer', content);
  return Number(content);
}

function intOrNa(file: string, content: string): number | undefined {
  return content === 'N/A' ? undefined : int(file, content);
}

// Option files print "<name> <number>" (bond_opt_get_val in bond_sysfs.c), e.g. "802.3ad 4".
function optionName(file: string, content: string): string | undefined {
  if (content === '') return undefined;
  const m = /^(\S+) \d+$/.exec(content);
  if (!m) fail(file, 'an option value like "<name> <number>"', content);
  return m[1];
}

function mii(file: string, content: string): MiiStatus | undefined {
  if (content === '') return undefined;
  const found = MII_STATUSES.find((s) => s === content);
  if (!found) fail(file, `an MII status (${MII_STATUSES.join(', ')})`, content);
  return found;
}

function mac(file: string, content: string): string | undefined {
  if (content === '') return undefined;
  const v = content.toLowerCase();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v)) fail(file, 'a MAC address', content);
  return v;
}

export function parseBondingSysfs(files: SysfsFiles): BondSysfs {
  const out: BondSysfs = {
    mode: undefined,
    slaves: [],
    activeSlave: undefined,
    miiStatus: undefined,
    miimonMs: undefined,
    upDelayMs: undefined,
    downDelayMs: undefined,
    minLinks: undefined,
    lacpRate: undefined,
    adSelect: undefined,
    xmitHashPolicy: undefined,
    adAggregator: undefined,
    adNumPorts: undefined,
    adActorKey: undefined,
    adPartnerKey: undefined,
    adPartnerMac: undefined,
    extra: {},
  };
  for (const [file, rawContent] of Object.entries(files)) {
    const content = rawContent.trim();
    switch (file) {
      case 'mode': {
        const name = optionName(file, content);
        if (name !== undefined) {
          const found = BOND_MODES.find((m) => m === name);
          if (!found) fail(file, `a bonding mode (${BOND_MODES.join(', ')})`, content);
          out.mode = found;
        }
        break;
      }
      case 'slaves':
        out.slaves = content === '' ? [] : content.split(/\s+/);
        break;
      case 'active_slave':
        out.activeSlave = content === '' ? undefined : content;
        break;
      case 'mii_status':
        out.miiStatus = mii(file, content);
        break;
      case 'miimon':
        out.miimonMs = int(file, content);
        break;
      case 'updelay':
        out.upDelayMs = int(file, content);
        break;
      case 'downdelay':
        out.downDelayMs = int(file, content);
        break;
      case 'min_links':
        out.minLinks = int(file, content);
        break;
      case 'lacp_rate': {
        const rate = optionName(file, content);
        if (rate !== undefined && rate !== 'slow' && rate !== 'fast')
          fail(file, '"slow N" or "fast N"', content);
        out.lacpRate = rate;
        break;
      }
      case 'ad_select':
        out.adSelect = optionName(file, content);
        break;
      case 'xmit_hash_policy':
        out.xmitHashPolicy = optionName(file, content);
        break;
      case 'ad_aggregator':
        out.adAggregator = intOrNa(file, content);
        break;
      case 'ad_num_ports':
        out.adNumPorts = intOrNa(file, content);
        break;
      case 'ad_actor_key':
        out.adActorKey = intOrNa(file, content);
        break;
      case 'ad_partner_key':
        out.adPartnerKey = intOrNa(file, content);
        break;
      case 'ad_partner_mac':
        out.adPartnerMac = mac(file, content);
        break;
      default:
        out.extra[file] = content;
    }
  }
  return out;
}

export function parseBondingSlaveSysfs(files: SysfsFiles): BondSlaveSysfs {
  const out: BondSlaveSysfs = {
    state: undefined,
    miiStatus: undefined,
    linkFailureCount: undefined,
    permHwaddr: undefined,
    queueId: undefined,
    adAggregatorId: undefined,
    adActorOperPortState: undefined,
    adPartnerOperPortState: undefined,
    adActorOperPortStateRaw: undefined,
    adPartnerOperPortStateRaw: undefined,
    extra: {},
  };
  for (const [file, rawContent] of Object.entries(files)) {
    const content = rawContent.trim();
    switch (file) {
      case 'state':
        if (content !== 'active' && content !== 'backup') fail(file, '"active" or "backup"', content);
        out.state = content;
        break;
      case 'mii_status':
        out.miiStatus = mii(file, content);
        break;
      case 'link_failure_count':
        out.linkFailureCount = int(file, content);
        break;
      case 'perm_hwaddr':
        out.permHwaddr = mac(file, content);
        break;
      case 'queue_id':
        out.queueId = int(file, content);
        break;
      case 'ad_aggregator_id':
        out.adAggregatorId = intOrNa(file, content);
        break;
      case 'ad_actor_oper_port_state':
        out.adActorOperPortStateRaw = intOrNa(file, content);
        out.adActorOperPortState =
          out.adActorOperPortStateRaw === undefined
            ? undefined
            : decodeLacpPortState(out.adActorOperPortStateRaw);
        break;
      case 'ad_partner_oper_port_state':
        out.adPartnerOperPortStateRaw = intOrNa(file, content);
        out.adPartnerOperPortState =
          out.adPartnerOperPortStateRaw === undefined
            ? undefined
            : decodeLacpPortState(out.adPartnerOperPortStateRaw);
        break;
      default:
        out.extra[file] = content;
    }
  }
  return out;
}
