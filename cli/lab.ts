import { Command, Option } from 'commander';
import { labDown } from '../lab/down.js';
import {
  DEFAULT_VM_AGENT,
  FENCE_AGENTS,
  type FenceAgent,
  VM_AGENTS,
  type VmAgent,
} from '../lab/ha/ha-plan.js';
import type { LabClusterStatus } from '../lab/ha/ha-status.js';
import { labStatus } from '../lab/status.js';
import { labUp } from '../lab/up.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { renderTable } from './table.js';

const nameOption = () =>
  new Option('--name <name>', 'lab name (prefixes its namespaces and links)').default('havoc');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`not a whole number: ${value}`);
  return n;
}

function printCluster(io: { out: (text: string) => void }, c: LabClusterStatus): void {
  io.out('');
  if (c.error) {
    io.out(`cluster: no answer (${c.error})`);
    return;
  }
  io.out(
    `cluster (crm_mon on ${c.via ?? '?'}): DC ${c.dc ?? 'none'}, ${c.quorum ? 'with quorum' : 'WITHOUT quorum'}\n`,
  );
  io.out(
    renderTable(
      ['NODE', 'STATE'],
      c.nodes.map((n) => [n.name, n.state]),
    ),
  );
  io.out('');
  io.out(
    renderTable(
      ['STONITH DEVICE', 'AGENT', 'STATE', 'ON'],
      c.stonith.map((d) => [d.id, d.agent, d.role, d.node ?? '-']),
    ),
  );
  io.out('');
  io.out(
    renderTable(
      ['VM', 'ADDRESS', 'STATE', 'HOST', 'AGENT'],
      c.vms.map((v) => [v.name, v.ip, v.state, v.host ?? '-', v.agent ?? '-']),
    ),
  );
  if (c.fenceEvents.length > 0) {
    io.out('');
    io.out(
      renderTable(
        ['FENCED', 'ACTION', 'RESULT', 'COMPLETED'],
        c.fenceEvents.map((e) => [e.target, e.action, e.status, e.completed ?? '-']),
      ),
    );
  }
}

export function labCommand(env: CommandEnv): Command {
  const lab = new Command('lab').description(
    'a virtual HA datacenter on this machine: hosts, switch (SNMP), BMCs (IPMI), NBD storage (root)',
  );

  lab
    .command('up')
    .description('build the lab and write its inventory (the default inventory of every command)')
    .addOption(nameOption())
    .option('--hosts <n>', 'number of hosts (2-8)', positiveInt, 3)
    .option('--volumes <n>', 'NBD volumes on the storage host (one per VM)', positiveInt, 4)
    .option('--recreate', 'tear down an existing lab of that name first', false)
    .option(
      '--ha',
      'corosync + Pacemaker on every host, fencing through the BMCs, VMs as cluster resources',
      false,
    )
    .option('--vms <n>', 'with --ha: QEMU VMs managed by Pacemaker', positiveInt, 2)
    .addOption(
      new Option('--fence-agent <agent>', 'with --ha: the stonith agent of every host')
        .choices([...FENCE_AGENTS])
        .default('fence_ipmilan'),
    )
    .addOption(
      new Option(
        '--vm-agent <agent>',
        'with --ha: how Pacemaker runs the VMs (virtualdomain: ocf:heartbeat:VirtualDomain + libvirtd per host; qemu-vm: ocf:havoc:qemu-vm over QMP)',
      )
        .choices([...VM_AGENTS])
        .default(DEFAULT_VM_AGENT),
    )
    .action(
      env.run(
        async (
          opts: {
            name: string;
            hosts: number;
            volumes: number;
            recreate: boolean;
            ha: boolean;
            vms: number;
            fenceAgent: FenceAgent;
            vmAgent: VmAgent;
          },
          cmd: Command,
        ) => {
          const g = env.globals(cmd);
          const io = env.io(g);
          const r = await labUp({
            name: opts.name,
            hosts: opts.hosts,
            volumes: opts.volumes,
            recreate: opts.recreate,
            env: env.streams.env,
            signal: AbortSignal.timeout(opts.ha ? 300_000 : 120_000),
            redactor: io.redactor,
            progress: (t) => io.progress(t),
            ...(opts.ha ? { ha: { vms: opts.vms, fenceAgent: opts.fenceAgent, vmAgent: opts.vmAgent } } : {}),
          });
          if (g.json) io.json(r);
          else {
            io.out(
              `lab ${r.name} is up: ${r.hosts} hosts in ${r.addressBlock}, ${(r.upMs / 1000).toFixed(1)} s\ninventory: ${r.inventory}`,
            );
            if (r.clusterMs !== undefined)
              io.out(
                `cluster formed in ${(r.clusterMs / 1000).toFixed(1)} s; VMs (${(r.vms ?? []).map((v) => `${v.name} http://${v.ip}/`).join(', ')}) answering ${((r.vmsMs ?? 0) / 1000).toFixed(1)} s later`,
              );
          }
          return EXIT.ok;
        },
      ),
    );

  lab
    .command('down')
    .description('remove everything the lab recorded: processes, namespaces, links, state')
    .addOption(nameOption())
    .action(
      env.run(async (opts: { name: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const r = await labDown({
          name: opts.name,
          env: env.streams.env,
          signal: AbortSignal.timeout(60_000),
        });
        if (g.json) io.json(r);
        else if (!r.existed) io.out(`no lab named ${r.name}; nothing to do`);
        else
          io.out(
            `lab ${r.name} is down: ${r.killed} processes, ${r.namespaces.length} namespaces, ${r.links.length} links removed in ${(r.downMs / 1000).toFixed(1)} s`,
          );
        return EXIT.ok;
      }),
    );

  lab
    .command('status')
    .description('power and SSH of every host, admin/oper state of every switch port (SNMP), every BMC')
    .addOption(nameOption())
    .action(
      env.run(async (opts: { name: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const s = await labStatus(opts.name, env.streams.env, AbortSignal.timeout(30_000));
        const healthy =
          s.hosts.every((h) => h.bmcReachable) && s.switch.reachable && s.cluster?.error === undefined;
        if (g.json) {
          io.json(s);
          return healthy ? EXIT.ok : EXIT.failed;
        }
        io.out(`lab ${s.name} (${s.phase}), ${s.addressBlock}, inventory ${s.inventory}\n`);
        io.out(
          renderTable(
            ['HOST', 'ADDRESS', 'BMC', 'POWER', 'SSH'],
            s.hosts.map((h) => [
              h.name,
              h.address,
              h.bmcReachable ? h.bmc : `${h.bmc} (no answer)`,
              h.power,
              h.ssh ? 'ok' : `no (${h.sshError ?? ''})`,
            ]),
          ),
        );
        io.out('');
        if (!s.switch.reachable)
          io.out(`switch agent ${s.switch.address}: no answer (${s.switch.error ?? ''})`);
        else
          io.out(
            renderTable(
              ['PORT', 'DESCRIPTION', 'ADMIN', 'OPER'],
              s.ports.map((p) => [p.port, p.alias, p.admin, p.oper]),
            ),
          );
        if (s.cluster) printCluster(io, s.cluster);
        return healthy ? EXIT.ok : EXIT.failed;
      }),
    );
  return lab;
}
