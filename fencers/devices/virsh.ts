import { HavocError } from '../../core/errors.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import { parseVirshDomstate, parseVirshList, type VirshDomainState } from '../../protocols/libvirt/index.js';
import { SshCommandError, type SshPool, type SshTarget } from '../../protocols/ssh/index.js';
import type { DeviceListEntry, FenceDevice, PowerState } from '../device.js';

/*
 * A host that is itself a VM, fenced through virsh on its hypervisor, over
 * SSH (what fence_virsh does). States: only "shut off" and "crashed" are off.
 * libvirt's "crashed" (VIR_DOMAIN_CRASHED) is a domain whose guest crashed
 * and is no longer running, so it can no longer write anything. Everything
 * else (running, idle, paused, pmsuspended and, unlike fence_virsh, "in
 * shutdown": a guest that is shutting down still runs and writes) is on.
 * "no state" is not proof of off either, so it counts as on.
 */

const OFF_STATES: ReadonlySet<VirshDomainState> = new Set(['shut off', 'crashed']);

export function virshPowerState(state: VirshDomainState): PowerState {
  return OFF_STATES.has(state) ? 'off' : 'on';
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface VirshDeviceOptions {
  hostName: string;
  /** libvirt connection URI (virsh -c); the hypervisor's default when absent (qemu:///system for root). */
  uri?: string;
  /** The virsh program on the hypervisor. */
  virsh?: string;
}

/** The command line run on the hypervisor for one virsh subcommand. */
export function virshCommand(args: string[], opts: Pick<VirshDeviceOptions, 'uri' | 'virsh'>): string {
  const argv = [opts.virsh ?? 'virsh', ...(opts.uri ? ['-c', opts.uri] : []), ...args];
  return argv.map(shellQuote).join(' ');
}

// virsh's messages for a request that is already satisfied (virsh 9.0 / libvirt error strings).
const ALREADY_OFF = /domain is not running/i;
const ALREADY_ON = /domain is already (active|running)/i;

export function createVirshDevice(
  config: { hypervisor: HostConfig; domain: string },
  pool: SshPool,
  opts: VirshDeviceOptions,
): FenceDevice {
  const hv = config.hypervisor;
  if (!hv.ssh) {
    throw new HavocError(
      'config',
      `virsh fencing of ${opts.hostName}: hypervisor ${hv.name} has no ssh section`,
      {
        hint: `add ssh: {keyFile, knownHostsFile} to hosts.${hv.name}`,
      },
    );
  }
  const target: SshTarget = sshLoginOf(hv);
  const description = `virsh on ${hv.name} (${hv.address}, user ${hv.ssh.user}), domain ${config.domain}`;

  async function virsh(args: string[], signal: AbortSignal, accept?: RegExp): Promise<string> {
    const what = `virsh ${args[0]} ${config.domain}`;
    try {
      return (await pool.exec(target, virshCommand(args, opts), { signal, what })).stdout;
    } catch (err) {
      if (!(err instanceof SshCommandError)) throw err;
      if (accept?.test(err.stderr)) return err.stdout;
      if (err.exitCode === 127) {
        throw new HavocError('virsh-missing', `virsh not found on ${hv.name} (${opts.virsh ?? 'virsh'})`, {
          target: hv.name,
          hint: 'install libvirt-clients (Debian) / libvirt-client (RHEL) on the hypervisor',
        });
      }
      const stderr = err.stderr.trim().replace(/\s+/g, ' ');
      if (/failed to connect to the hypervisor/i.test(stderr)) {
        throw new HavocError(
          'virsh-unreachable',
          `${what} on ${hv.name}: libvirt is not reachable: ${stderr}`,
          {
            target: hv.name,
            hint: `is libvirtd running on ${hv.name}${opts.uri ? ` and is ${opts.uri} the right URI` : ''}?`,
          },
        );
      }
      if (/failed to get domain|domain not found/i.test(stderr)) {
        throw new HavocError('virsh-no-domain', `${what}: ${hv.name} has no domain ${config.domain}`, {
          target: hv.name,
          hint: "check the fencing level's domain name against `virsh list --all` on the hypervisor",
        });
      }
      throw new HavocError('virsh-failed', `${what} on ${hv.name} failed (exit ${err.exitCode}): ${stderr}`, {
        target: hv.name,
      });
    }
  }

  return {
    kind: 'power',
    description,
    async status(signal) {
      return virshPowerState(
        parseVirshDomstate(await virsh(['domstate', '--', config.domain], signal)).state,
      );
    },
    async off(signal) {
      await virsh(['destroy', '--', config.domain], signal, ALREADY_OFF);
    },
    async on(signal) {
      await virsh(['start', '--', config.domain], signal, ALREADY_ON);
    },
    async monitor(signal) {
      await virsh(['domstate', '--', config.domain], signal);
    },
    async list(signal): Promise<DeviceListEntry[]> {
      return parseVirshList(await virsh(['list', '--all'], signal)).map((d) => ({
        id: d.name,
        description: `domain ${d.name} on ${hv.name}`,
        state: virshPowerState(d.state),
      }));
    },
  };
}
