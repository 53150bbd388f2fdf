/**
 * OCF resource agent `ocf:havoc:qemu-vm`: one lab VM, driven through QMP.
 *
 * Live migration without libvirt. Pacemaker runs migrate_to on the source,
 * then migrate_from on the target, then stop on the source, and it gives the
 * target no hook before migrate_to. VirtualDomain solves this with libvirtd on
 * the target, which starts the incoming QEMU when the source's libvirtd asks.
 * Without such a daemon, this agent reverses the direction of the stream:
 *
 *  - migrate_to (source): QMP `migrate` to an `exec:` URI whose command is
 *    migrationRelay `serve`: it listens on this node's migration address and
 *    hands QEMU's outgoing stream to the first connection. The guest keeps
 *    running (pre-copy blocks only QEMU's migration thread). Returns once the
 *    relay listens, so the target can connect.
 *  - migrate_from (target): starts QEMU with `-incoming defer`, then
 *    `migrate-incoming` with `exec:` migrationRelay `fetch`, which connects to
 *    the source's migration address; waits until the guest runs here.
 *  - stop (source): quits the source QEMU, paused in `postmigrate`.
 *
 * Every step runs inside the node's own namespaces: no SSH keys, no daemon,
 * no `ip netns exec` into another node (the node's private /run hides the
 * other namespaces anyway). The cost, stated honestly: between migrate_to and
 * migrate_from a port on the source waits for one connection from anyone on
 * the migration network (bounded by the relay's wait); a real cluster would
 * use libvirtd and TLS. If migrate_from never comes, the relay gives up, QEMU
 * reports the migration failed and the guest simply keeps running on the
 * source.
 */
import { access, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abortableSleep, deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { LAB_MIGRATION_BANDWIDTH, type MigrationInfo, waitRunning } from '../vm/migrate.js';
import { connectVm, startVm, stopVm, vmCommand, vmStatus } from '../vm/qemuProcess.js';
import { validateVmSpec, vmPaths } from '../vm/vmSpec.js';
import { type AgentConfig, actionBudgetMs, type OcfEnv, readAgentConfig } from './agentParams.js';
import { agentMetadata } from './metadata.js';
import { OCF, type OcfExitCode, OcfFailure } from './ocfExit.js';

export interface AgentIo {
  out: (text: string) => void;
  log: (text: string) => void;
}

/** How long the source offers the migration stream before giving up on the target. */
const RELAY_WAIT_MS = 120_000;

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command QEMU runs for an `exec:` migration URI: this Node, this
 * checkout's relay. Under tsx (development) the relay is the .ts file and the
 * tsx loader is passed by absolute URL, since QEMU runs it from / after
 * daemonizing.
 */
export function relayCommand(
  mode: 'serve' | 'fetch',
  address: string,
  port: number,
  logFile: string,
): string {
  const here = fileURLToPath(import.meta.url);
  const isTs = here.endsWith('.ts');
  const relay = join(here, '..', isTs ? 'migrationRelay.ts' : 'migrationRelay.js');
  const loader = isTs ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, relay, mode, address, String(port), String(RELAY_WAIT_MS), logFile]
    .map(shellQuote)
    .join(' ');
}

async function fileReadable(path: string): Promise<boolean> {
  try {
    await access(path);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Checks everything start needs; ERR_CONFIGURED for bad values, ERR_INSTALLED for what this node lacks. */
async function validate(config: AgentConfig): Promise<void> {
  const problems = validateVmSpec(config.spec);
  if (problems.length > 0) throw new OcfFailure(OCF.ERR_CONFIGURED, problems.join('; '));
  for (const [node, address] of config.migrationAddresses) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
      throw new OcfFailure(
        OCF.ERR_CONFIGURED,
        `migration_addresses: ${node}=${address} is not an IPv4 address`,
      );
    }
  }
  for (const [what, path] of [
    ['kernel', config.spec.kernel],
    ['initrd', config.spec.initrd],
  ] as const) {
    if (!(await fileReadable(path)))
      throw new OcfFailure(OCF.ERR_INSTALLED, `${what} ${path} is not a readable file on this node`);
  }
  const pathDirs = (process.env['PATH'] ?? '/usr/bin:/bin').split(':');
  const found = await Promise.any(pathDirs.map((d) => access(join(d, 'qemu-system-x86_64')))).then(
    () => true,
    () => false,
  );
  if (!found)
    throw new OcfFailure(
      OCF.ERR_INSTALLED,
      'qemu-system-x86_64 not found: install the Debian package qemu-system-x86',
    );
}

/** OCF monitor semantics for what vmStatus found. */
async function monitor(config: AgentConfig, signal: AbortSignal): Promise<OcfExitCode> {
  const state = await vmStatus(config.spec, { signal });
  if (state.state === 'stopped') return OCF.NOT_RUNNING;
  if (state.state === 'unresponsive')
    throw new OcfFailure(OCF.ERR_GENERIC, `QEMU PID ${state.pid} does not answer on QMP: ${state.reason}`);
  if (state.running) return OCF.SUCCESS;
  // The guest lives elsewhere now (source after migration) or has not arrived (an incoming QEMU).
  if (state.status === 'postmigrate' || state.status === 'inmigrate' || state.status === 'shutdown')
    return OCF.NOT_RUNNING;
  throw new OcfFailure(OCF.ERR_GENERIC, `QEMU PID ${state.pid} is ${state.status}, not running`);
}

async function start(config: AgentConfig, signal: AbortSignal, io: AgentIo): Promise<OcfExitCode> {
  await validate(config);
  const state = await vmStatus(config.spec, { signal });
  if (state.state === 'present' && state.running) return OCF.SUCCESS;
  if (state.state !== 'stopped') {
    io.log(
      `clearing a QEMU left in state ${state.state === 'present' ? state.status : state.state} before start`,
    );
    await stopVm(config.spec, { signal });
  }
  await startVm(config.spec, { signal });
  const qmp = await connectVm(config.spec, { signal });
  try {
    await waitRunning(qmp, signal);
  } finally {
    await qmp.close();
  }
  return OCF.SUCCESS;
}

function migrationAddress(config: AgentConfig, node: string | undefined, role: string): string {
  if (!node)
    throw new OcfFailure(
      OCF.ERR_ARGS,
      `OCF_RESKEY_CRM_meta_migrate_${role} is not set: only Pacemaker can run this action`,
    );
  const address = config.migrationAddresses.get(node);
  if (!address) {
    throw new OcfFailure(
      OCF.ERR_CONFIGURED,
      `migration_addresses has no address for node ${node} (the migration ${role})`,
    );
  }
  return address;
}

async function migrateTo(
  config: AgentConfig,
  env: OcfEnv,
  signal: AbortSignal,
  io: AgentIo,
): Promise<OcfExitCode> {
  const source = env['OCF_RESKEY_CRM_meta_migrate_source'] ?? env['OCF_RESKEY_CRM_meta_on_node'];
  const target = env['OCF_RESKEY_CRM_meta_migrate_target'];
  if (!target)
    throw new OcfFailure(
      OCF.ERR_ARGS,
      'OCF_RESKEY_CRM_meta_migrate_target is not set: only Pacemaker can run this action',
    );
  const address = migrationAddress(config, source, 'source');
  const state = await vmStatus(config.spec, { signal });
  if (!(state.state === 'present' && state.running)) {
    throw new OcfFailure(
      OCF.ERR_GENERIC,
      `cannot migrate ${config.spec.name} to ${target}: it does not run here`,
    );
  }
  const relayLog = join(config.spec.stateDir, 'relay-serve.log');
  await rm(`${relayLog}.listening`, { force: true });
  // A record left by an earlier migration away from here must not pass for this one's.
  await rm(vmPaths(config.spec.stateDir).migrationRecord, { force: true });
  const qmp = await connectVm(config.spec, { signal });
  try {
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': LAB_MIGRATION_BANDWIDTH }, { signal });
    await qmp.execute(
      'migrate',
      { uri: `exec:${relayCommand('serve', address, config.migrationPort, relayLog)}` },
      { signal },
    );
    // Success means "the target can now pull": the relay listens and QEMU has not given up.
    for (;;) {
      const info = await qmp.execute<MigrationInfo>('query-migrate', undefined, { signal });
      if (info.status === 'failed' || info.status === 'cancelled') {
        const relay = await readFile(relayLog, 'utf8').catch(() => '');
        throw new OcfFailure(
          OCF.ERR_GENERIC,
          `migration of ${config.spec.name} ${info.status}: ${info['error-desc'] ?? relay.trim().split('\n').at(-1) ?? ''}`,
        );
      }
      if (await fileReadable(`${relayLog}.listening`)) break;
      await abortableSleep(50, signal);
    }
  } finally {
    await qmp.close();
  }
  io.log(`${config.spec.name}: migration stream offered on ${address}:${config.migrationPort} for ${target}`);
  return OCF.SUCCESS;
}

async function migrateFrom(
  config: AgentConfig,
  env: OcfEnv,
  signal: AbortSignal,
  io: AgentIo,
): Promise<OcfExitCode> {
  await validate(config);
  const address = migrationAddress(config, env['OCF_RESKEY_CRM_meta_migrate_source'], 'source');
  const state = await vmStatus(config.spec, { signal });
  if (state.state === 'present' && state.running) return OCF.SUCCESS;
  if (state.state !== 'stopped') await stopVm(config.spec, { signal });
  const started = monotonicMs();
  await startVm(config.spec, { incoming: 'defer', signal });
  const relayLog = join(config.spec.stateDir, 'relay-fetch.log');
  const qmp = await connectVm(config.spec, { signal });
  try {
    await qmp.execute(
      'migrate-incoming',
      { uri: `exec:${relayCommand('fetch', address, config.migrationPort, relayLog)}` },
      { signal },
    );
    await waitRunning(qmp, signal);
  } catch (err) {
    await qmp.close();
    await stopVm(config.spec, { timeoutMs: 20_000 }).catch(() => undefined);
    const relay = await readFile(relayLog, 'utf8').catch(() => '');
    throw new OcfFailure(
      OCF.ERR_GENERIC,
      `incoming migration of ${config.spec.name} failed: ${errorMessage(err)} ${relay.trim().split('\n').at(-1) ?? ''}`,
    );
  }
  await qmp.close();
  io.log(
    `${config.spec.name}: running here after migration from ${address} (${Math.round(monotonicMs() - started)} ms)`,
  );
  return OCF.SUCCESS;
}

/**
 * Before the source of a completed migration is quit, keeps QEMU's own
 * report of it (query-migrate: downtime, total time) in the state dir, where
 * the live-migrate action reads it: migrate_to returns before the memory is
 * sent, and after this stop no QEMU is left to ask. Never fails the stop.
 */
async function keepMigrationReport(config: AgentConfig, signal: AbortSignal, io: AgentIo): Promise<void> {
  try {
    const state = await vmStatus(config.spec, { signal });
    if (state.state !== 'present' || state.status !== 'postmigrate') return;
    const info = await vmCommand<MigrationInfo>(config.spec, 'query-migrate', undefined, {
      signal,
      timeoutMs: 5_000,
    });
    const report = {
      vm: config.spec.name,
      qemuPid: state.pid,
      status: info.status,
      downtimeMs: info.downtime,
      totalTimeMs: info['total-time'],
      setupTimeMs: info['setup-time'],
      transferredBytes: info.ram?.transferred,
      recordedAt: new Date().toISOString(),
    };
    await writeFile(vmPaths(config.spec.stateDir).migrationRecord, `${JSON.stringify(report)}\n`);
    io.log(
      `${config.spec.name}: migrated away; QEMU reports downtime ${info.downtime ?? '?'} ms, total ${info['total-time'] ?? '?'} ms`,
    );
  } catch (err) {
    io.log(`stop: QEMU's report of the migration was not kept: ${errorMessage(err)}`);
  }
}

const USAGE = 'usage: qemu-vm {start|stop|monitor|migrate_to|migrate_from|meta-data|validate-all}';

/** Runs one OCF action and returns its exit code; never throws. */
export async function runAgent(action: string | undefined, env: OcfEnv, io: AgentIo): Promise<OcfExitCode> {
  if (action === 'meta-data') {
    io.out(agentMetadata());
    return OCF.SUCCESS;
  }
  if (action === undefined || action === '') {
    io.log(USAGE);
    return OCF.ERR_ARGS;
  }
  const known = ['start', 'stop', 'monitor', 'status', 'migrate_to', 'migrate_from', 'validate-all'];
  if (!known.includes(action)) {
    io.log(`${USAGE} (got ${action})`);
    return OCF.ERR_UNIMPLEMENTED;
  }
  const fallbackMs = action === 'migrate_from' ? 170_000 : 55_000;
  const signal = deadlineSignal(actionBudgetMs(env, fallbackMs), `qemu-vm ${action}`);
  try {
    const config = readAgentConfig(env);
    switch (action) {
      case 'validate-all':
        await validate(config);
        return OCF.SUCCESS;
      case 'monitor':
      case 'status':
        return await monitor(config, signal);
      case 'start':
        return await start(config, signal, io);
      case 'stop':
        await keepMigrationReport(config, signal, io);
        await stopVm(config.spec, { signal });
        return OCF.SUCCESS;
      case 'migrate_to':
        return await migrateTo(config, env, signal, io);
      default:
        return await migrateFrom(config, env, signal, io);
    }
  } catch (err) {
    if (err instanceof OcfFailure) {
      // A probe (monitor with interval 0) on a node that cannot run the VM must say "not running", not "broken".
      if ((action === 'monitor' || action === 'stop') && err.exitCode === OCF.ERR_INSTALLED)
        return action === 'stop' ? OCF.SUCCESS : OCF.NOT_RUNNING;
      io.log(`${action}: ${err.message}`);
      return err.exitCode;
    }
    io.log(`${action}: ${errorMessage(err)}`);
    return OCF.ERR_GENERIC;
  }
}
