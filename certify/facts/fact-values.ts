import type { CmapValues } from '../../protocols/corosync/cmapctl.js';
import type { CorosyncSection } from '../../protocols/corosync/corosync-conf.js';
import type { DrbdResourceConf } from '../../protocols/drbd/index.js';
import type { CibConfiguration } from '../../protocols/pacemaker/cib.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import type { VmDefinition } from './vm-definitions.js';

/** Everything a live check may read about one host, each gathered read-only over SSH. */
export interface HostFactValues {
  /** /etc/corosync/corosync.conf, as text (compared between hosts) and parsed. */
  corosyncConf: { text: string; conf: CorosyncSection };
  /** `corosync-cmapctl`: what corosync runs with. */
  cmap: CmapValues;
  /** `cibadmin --query`: the cluster configuration as this node holds it. */
  cib: CibConfiguration;
  /** `crm_mon` as this node sees the cluster. */
  crmMon: CrmMonStatus;
  /** Installed version of each HA package, "" when it is not installed. */
  packages: Record<string, string>;
  /** The host's clock against this station's: offset and how precisely it could be measured. */
  clock: { offsetMs: number; uncertaintyMs: number };
  /** The VMs defined on the host: libvirt domains (`virsh dumpxml`) and QEMUs run without libvirt (their command line). */
  vms: VmDefinition[];
  /** The host's CPU, /proc/cpuinfo's first "model name". */
  hostCpu: { model: string };
  /** `drbdadm dump all`: the DRBD resources as configured on the host, common options merged in. */
  drbd: DrbdResourceConf[];
}
