import { z } from 'zod';

/*
 * The cluster model. Every object is strict: a typo in a key is an error, not
 * a silently ignored setting. Secrets are references only ({file} or {env}).
 */

const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'a name of letters, digits, "_", "." or "-", starting with a letter or digit',
  );

export const secretRef = z.union(
  [
    z.strictObject({ file: z.string().min(1) }),
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
  ],
  { error: 'a secret reference: {file: /path/to/secret} or {env: VARIABLE_NAME}' },
);
export type SecretRef = z.infer<typeof secretRef>;

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();
const seconds = z.number().positive();

export const switchPortRef = z.strictObject({
  switch: name,
  port: z.string().min(1),
});
export type SwitchPortRef = z.infer<typeof switchPortRef>;

export const sshConfig = z.strictObject({
  user: z.string().min(1).default('root'),
  port: port.default(22),
  keyFile: z.string().min(1),
  knownHostsFile: z.string().min(1).optional(),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'an OpenSSH SHA256 fingerprint such as SHA256:AbC...')
    .optional(),
});

/**
 * Where the bmc-dead chaos fault may drop traffic to this BMC: a firewall on
 * the path from the cluster and the station (never the station's own). Only
 * one kind exists so far, a network namespace of the management station that
 * routes to the BMC (the lab's switch); havoc uses its own table there.
 */
const bmcFirewall = z.strictObject({ netns: z.string().min(1) });

const ipmiBmc = z.strictObject({
  type: z.literal('ipmi'),
  address: z.string().min(1),
  port: port.default(623),
  user: z.string().min(1),
  password: secretRef,
  cipherSuites: z
    .array(z.union([z.literal(17), z.literal(3), z.literal(0)]))
    .min(1)
    .default([17, 3]),
  privilege: z.enum(['operator', 'administrator']).default('administrator'),
  /** ipmi_sim and many real BMCs accept suite 0 with ANY password; only with explicit consent. */
  allowCipherSuite0: z.boolean().default(false),
  allowIpmi15: z.boolean().default(false),
  firewall: bmcFirewall.optional(),
});

const redfishBmc = z.strictObject({
  type: z.literal('redfish'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  systemId: z.string().min(1).optional(),
  user: z.string().min(1),
  password: secretRef,
  caFile: z.string().min(1).optional(),
  insecureTls: z.boolean().default(false),
  firewall: bmcFirewall.optional(),
});

const cimcBmc = z.strictObject({
  type: z.literal('cimc'),
  url: z.url({ protocol: /^https?$/ }),
  user: z.string().min(1),
  password: secretRef,
  caFile: z.string().min(1).optional(),
  insecureTls: z.boolean().default(false),
  firewall: bmcFirewall.optional(),
});

export const bmcConfig = z.discriminatedUnion('type', [ipmiBmc, redfishBmc, cimcBmc], {
  error: 'one of "ipmi", "redfish", "cimc"',
});
export type BmcConfig = z.infer<typeof bmcConfig>;
export type IpmiBmcConfig = z.infer<typeof ipmiBmc>;
export type RedfishBmcConfig = z.infer<typeof redfishBmc>;
export type CimcBmcConfig = z.infer<typeof cimcBmc>;

export const nicConfig = z.strictObject({
  name: z.string().min(1),
  /** Networks carried by this NIC (several when VLANs are tagged on it). */
  networks: z.array(name).default([]),
  mtu: positiveInt.optional(),
  switchPort: switchPortRef.optional(),
});
export type NicConfig = z.infer<typeof nicConfig>;

export const bondMode = z.enum([
  '802.3ad',
  'active-backup',
  'balance-rr',
  'balance-xor',
  'balance-tlb',
  'balance-alb',
  'broadcast',
]);

export const bondConfig = z.strictObject({
  name: z.string().min(1),
  mode: bondMode,
  networks: z.array(name).default([]),
  mtu: positiveInt.optional(),
  slaves: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        switchPort: switchPortRef.optional(),
      }),
    )
    .min(1),
});
export type BondConfig = z.infer<typeof bondConfig>;

const fenceDevice = z.discriminatedUnion(
  'type',
  [
    /** The host's own BMC, from `hosts[].bmc`. */
    z.strictObject({ type: z.literal('bmc') }),
    /** Every switch port of the host on these networks (or these NIC/bond names). */
    z.strictObject({
      type: z.literal('switch-ports'),
      networks: z.array(name).min(1).optional(),
      ports: z.array(switchPortRef).min(1).optional(),
    }),
    /** The host is itself a VM: destroy it through virsh on its hypervisor. */
    z.strictObject({
      type: z.literal('virsh'),
      hypervisor: name,
      domain: z.string().min(1),
    }),
  ],
  { error: 'one of "bmc", "switch-ports", "virsh"' },
);
export type FenceDeviceConfig = z.infer<typeof fenceDevice>;

export const fencingConfig = z.strictObject({
  levels: z.array(z.strictObject({ devices: z.array(fenceDevice).min(1) })).default([]),
  /** Static delay before fencing this host (Pacemaker pcmk_delay_base), against fence races. */
  delaySeconds: z.number().min(0).optional(),
  /** Deadline for a verified off, per device. */
  timeoutSeconds: seconds.default(20),
});

/**
 * A cgroup directory of a host that host-hang freezes: absolute, under
 * /sys/fs/cgroup, never a hierarchy's root (a root cannot be frozen) nor with
 * "." or ".." parts (the dead man's switch derives the hierarchy's root from it).
 */
const cgroupPath = z
  .string()
  .regex(/^\/sys\/fs\/cgroup\/[^/\0\n][^\0\n]*$/, 'a cgroup directory under /sys/fs/cgroup/')
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), {
    error: 'a cgroup directory without "." or ".." parts',
  })
  .transform((p) => p.replace(/\/+$/, ''));

/** What `hang: { cgroups: systemd }` freezes: every service, VM and login session of a systemd host (cgroup v2). */
export const SYSTEMD_SLICES: readonly string[] = [
  '/sys/fs/cgroup/system.slice',
  '/sys/fs/cgroup/machine.slice',
  '/sys/fs/cgroup/user.slice',
];

/**
 * How chaos faults may act on a host, declared because the safe way differs
 * per site: a kernel crash by sysrq needs kdump off or a BMC to come back,
 * and a lab host shares the station's kernel (it must crash through its BMC).
 */
export const hostChaosConfig = z.strictObject({
  /** host-crash: `sysrq` (echo c > /proc/sysrq-trigger over SSH) or `nmi` (the BMC's diagnostic interrupt). */
  crash: z.enum(['sysrq', 'nmi']).optional(),
  /**
   * host-hang, one of: `netns: NAME` freezes every process of that network
   * namespace of the station (the lab's hosts); `cgroups: [PATH...]` freezes
   * those cgroups of the host over SSH (cgroup v2 cgroup.freeze, v1
   * freezer.state), `cgroups: systemd` the slices of a systemd host under
   * cgroup v2 (SYSTEMD_SLICES).
   */
  hang: z
    .strictObject({
      netns: z.string().min(1).optional(),
      cgroups: z
        .union([z.literal('systemd'), z.array(cgroupPath).min(1)], {
          error: 'systemd, or a list of cgroup directories (/sys/fs/cgroup/...)',
        })
        .optional(),
    })
    .refine((h) => (h.netns === undefined) !== (h.cgroups === undefined), {
      error:
        'exactly one of netns (a network namespace of this station: the lab) or cgroups (systemd, or [/sys/fs/cgroup/PATH, ...]: a real host, over SSH)',
    })
    .optional(),
  /** daemon-kill: what restarts a killed daemon: systemd units, or the lab's service script. */
  services: z.enum(['systemd', 'lab']).optional(),
});
export type HostChaosConfig = z.infer<typeof hostChaosConfig>;

export const hostConfig = z.strictObject({
  name,
  address: z.string().min(1),
  ssh: sshConfig.optional(),
  cpu: z.strictObject({ model: z.string().min(1), family: z.string().min(1) }).optional(),
  memoryMiB: positiveInt,
  vcpus: positiveInt,
  bmc: bmcConfig.optional(),
  nics: z.array(nicConfig).default([]),
  bonds: z.array(bondConfig).default([]),
  fencing: fencingConfig.default({ levels: [], timeoutSeconds: 20 }),
  chaos: hostChaosConfig.optional(),
});
export type HostConfig = z.infer<typeof hostConfig>;

export const networkConfig = z.strictObject({
  name,
  role: z.enum(['management', 'storage', 'migration', 'data', 'heartbeat', 'replication', 'out-of-band']),
  vlan: z.number().int().min(1).max(4094).optional(),
  mtu: positiveInt.default(1500),
  subnet: z
    .string()
    .regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'a CIDR subnet such as 10.0.20.0/24')
    .optional(),
});
export type NetworkConfig = z.infer<typeof networkConfig>;

const snmpV2c = z.strictObject({
  version: z.literal('2c'),
  community: secretRef,
  /** Used for SETs (port fencing); defaults to `community`. */
  writeCommunity: secretRef.optional(),
});
const snmpV3 = z.strictObject({
  version: z.literal('3'),
  user: z.string().min(1),
  authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']),
  authKey: secretRef,
  privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']),
  privKey: secretRef,
});

export const switchConfig = z.strictObject({
  name,
  address: z.string().min(1),
  port: port.default(161),
  snmp: z.discriminatedUnion('version', [snmpV2c, snmpV3], { error: 'version "2c" or "3" (a string)' }),
  /** A stacked pair behaves as one switch: a bond may span it without a single point of failure. */
  stackedWith: name.optional(),
  defaultMtu: positiveInt.optional(),
  ports: z.array(z.strictObject({ name: z.string().min(1), mtu: positiveInt.optional() })).default([]),
});
export type SwitchConfig = z.infer<typeof switchConfig>;

/**
 * The process that serves a storage, for storage-loss -p side=target -p
 * via=stop (SIGSTOP, then SIGCONT): where it runs (a network namespace of
 * this station, the lab's storage host; or a storage host over SSH) and how
 * to find it (argv[0]'s base name, every process running it; or a PID file).
 */
export const storageDaemon = z
  .strictObject({
    program: z.string().min(1).optional(),
    pidFile: z.string().min(1).optional(),
    netns: z.string().min(1).optional(),
    ssh: sshConfig.extend({ address: z.string().min(1) }).optional(),
  })
  .refine((d) => (d.netns === undefined) !== (d.ssh === undefined), {
    message:
      'say where the daemon runs: netns (a namespace of this station) or ssh (the storage host), one of them',
  })
  .refine((d) => d.program !== undefined || d.pidFile !== undefined, {
    message: "say how to find the daemon: program (its argv[0]'s base name, e.g. nbd-server) or pidFile",
  });
export type StorageDaemon = z.infer<typeof storageDaemon>;

const storageCommon = {
  name,
  /** Hosts that use this storage; by default every host. */
  hosts: z.array(name).min(1).optional(),
  network: name.optional(),
  purpose: z.enum(['vm-disks', 'heartbeat', 'both']).default('vm-disks'),
  /**
   * Where the storage-loss fault (-p side=target) may make the target stop
   * serving: a network namespace of the station in front of the server or
   * holding it (the lab's storage host), as hosts[].bmc.firewall for bmc-dead.
   */
  firewall: bmcFirewall.optional(),
  /** The serving process, for storage-loss -p side=target -p via=stop. */
  daemon: storageDaemon.optional(),
};

export const storageConfig = z.discriminatedUnion('type', [
  z.strictObject({
    ...storageCommon,
    type: z.literal('nfs'),
    server: z.string().min(1),
    export: z.string().min(1),
  }),
  z.strictObject({
    ...storageCommon,
    type: z.literal('iscsi'),
    portals: z.array(z.string().min(1)).min(1),
    iqn: z
      .string()
      .regex(/^iqn\.\d{4}-\d{2}\..+/, 'an iSCSI qualified name such as iqn.2004-01.com.example:target'),
  }),
  z.strictObject({
    ...storageCommon,
    type: z.literal('nbd'),
    server: z.string().min(1),
    port: port.default(10809),
    exports: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({
    ...storageCommon,
    type: z.literal('drbd'),
    resources: z
      .array(
        z.strictObject({
          name,
          device: z.string().min(1).optional(),
          peers: z.array(name).min(1),
        }),
      )
      .min(1),
  }),
]);
export type StorageConfig = z.infer<typeof storageConfig>;

export const haManagerConfig = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('pacemaker'),
    /** Hosts that run crm_mon; havoc asks the first that answers. */
    via: z.array(name).min(1).optional(),
    /** Pacemaker's priority-fencing-delay, against fence races in two-node clusters. */
    priorityFencingDelaySeconds: z.number().min(0).optional(),
    /** Networks corosync runs its knet links on, in link order; two or more make the heartbeat redundant without a bond. */
    heartbeatNetworks: z.array(name).min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('xapi'),
    url: z.url({ protocol: /^https?$/ }),
    user: z.string().min(1),
    password: secretRef,
    caFile: z.string().min(1).optional(),
    insecureTls: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('libvirt'),
    /** libvirt has no cluster manager of its own; havoc watches each host's libvirtd over SSH. */
    uri: z.string().min(1).default('qemu:///system'),
  }),
]);
export type HaManagerConfig = z.infer<typeof haManagerConfig>;

/** SLO targets: suites' expectations take their targets from here when a step does not set them. */
export const sloConfig = z.strictObject({
  restartWithinSeconds: seconds.optional(),
  migrationDowntimeMs: positiveInt.optional(),
  /** A live migration's total time, request to the VM running on the target. */
  migrationWithinSeconds: seconds.optional(),
  fenceWithinSeconds: seconds.optional(),
  detectionWithinSeconds: seconds.optional(),
  /** After a fault's revert, until every steady-state check holds again. */
  steadyStateWithinSeconds: seconds.optional(),
  /** From the fault to its alert firing (Alertmanager). */
  alertWithinSeconds: seconds.optional(),
  /** From the fault's revert to its alert's resolved notification (Alertmanager); default 480 s (suites/verdicts/alert-resolved-within.ts). */
  alertResolveWithinSeconds: seconds.optional(),
});
export type SloConfig = z.infer<typeof sloConfig>;

/** How long one probe request may take before it counts as failed (below TCP's 1 s SYN retransmit). */
const probeTimeoutMs = positiveInt.max(60_000).optional();

export const probeConfig = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tcp'),
    address: z.string().min(1),
    port,
    /** Sent after connecting; the answer must start with the same bytes (an echo service). */
    echo: z.string().min(1).optional(),
    timeoutMs: probeTimeoutMs,
  }),
  z.strictObject({
    type: z.literal('http'),
    address: z.string().min(1),
    port: port.default(80),
    path: z.string().startsWith('/').default('/'),
    expectStatus: z.number().int().min(100).max(599).default(200),
    /** The body must contain this text. */
    bodyContains: z.string().min(1).optional(),
    /** The body is JSON and the field at this dotted path equals the value. */
    jsonField: z
      .strictObject({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) })
      .optional(),
    timeoutMs: probeTimeoutMs,
  }),
  z.strictObject({ type: z.literal('icmp'), address: z.string().min(1), timeoutMs: probeTimeoutMs }),
]);
export type ProbeConfig = z.infer<typeof probeConfig>;

export const vmConfig = z.strictObject({
  name,
  memoryMiB: positiveInt,
  vcpus: positiveInt,
  haPriority: z.enum(['restart', 'best-effort', 'never']).default('restart'),
  startOrder: z.number().int().min(0).default(0),
  homeHost: name,
  /** Hosts the VM may run or live-migrate on; by default every host. */
  allowedHosts: z.array(name).min(1).optional(),
  storage: name.optional(),
  probe: probeConfig.optional(),
  slo: sloConfig.optional(),
});
export type VmConfig = z.infer<typeof vmConfig>;

export const clusterConfig = z.strictObject({
  name,
  /** Host failures the cluster must absorb (XenServer's "failures to tolerate"). */
  failuresToTolerate: z.number().int().min(0).default(1),
  /** Allowed ratio of VM vCPUs to host vCPUs on the survivors. */
  vcpuOvercommit: z.number().positive().default(4),
  /** Memory each host keeps for itself (hypervisor, dom0), not available to VMs. */
  hostReservedMemoryMiB: z.number().int().min(0).default(0),
});

export const inventorySchema = z.strictObject({
  version: z.literal(1),
  cluster: clusterConfig,
  networks: z.array(networkConfig).default([]),
  switches: z.array(switchConfig).default([]),
  hosts: z.array(hostConfig).min(1),
  storage: z.array(storageConfig).default([]),
  haManager: haManagerConfig.optional(),
  vms: z.array(vmConfig).default([]),
  slos: z.strictObject({ defaults: sloConfig.default({}) }).default({ defaults: {} }),
});

export type Inventory = z.infer<typeof inventorySchema>;
