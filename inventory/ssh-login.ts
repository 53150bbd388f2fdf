import { HavocError } from '../core/errors.js';
import { hostOfHaNode } from './ha-names.js';
import type { HostConfig, Inventory } from './schema.js';

/**
 * How to log in to a host over SSH, from its inventory entry: the shape of
 * protocols/ssh's SshTarget, built here so every layer that reaches hosts
 * (chaos faults, and the exporter's collectors) builds it the same way.
 */
export function sshLoginOf(host: HostConfig): {
  name: string;
  address: string;
  port: number;
  user: string;
  keyFile: string;
  knownHostsFile: string | undefined;
  hostKeyFingerprint: string | undefined;
} {
  if (!host.ssh) {
    throw new HavocError('config', `hosts.${host.name} has no ssh section`, {
      hint: 'add ssh: {keyFile, knownHostsFile} to the host so havoc can log in',
    });
  }
  return {
    name: host.name,
    address: host.address,
    port: host.ssh.port,
    user: host.ssh.user,
    keyFile: host.ssh.keyFile,
    knownHostsFile: host.ssh.knownHostsFile,
    hostKeyFingerprint: host.ssh.hostKeyFingerprint,
  };
}

/** How to log in to the host the HA manager calls `node`; a node the inventory does not list is a config error. */
export function sshLoginOfHaNode(inv: Inventory, node: string): ReturnType<typeof sshLoginOf> {
  const host = hostOfHaNode(inv, node);
  if (!host) {
    throw new HavocError('config', `haManager.via names ${node}, which is not among the hosts`, {
      hint: 'haManager.via lists inventory host names',
    });
  }
  return sshLoginOf(host);
}
