import type { CmapValues } from '../../protocols/corosync/cmapctl.js';
import type { CorosyncSection } from '../../protocols/corosync/corosync-conf.js';
import type { CibConfiguration } from '../../protocols/pacemaker/cib.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';

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
}
