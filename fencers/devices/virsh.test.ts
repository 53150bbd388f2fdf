import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseVirshDomstate, parseVirshList } from '../../protocols/libvirt/index.js';
import { virshCommand, virshPowerState } from './virsh.js';

// Captured with virsh 9.0.0 and libvirt's test driver (protocols/libvirt/fixtures/SOURCES.md).
const fixture = (name: string) =>
  readFileSync(new URL(`../../protocols/libvirt/fixtures/${name}`, import.meta.url), 'utf8');

describe('virsh fence device: state and command logic (virsh 9.0.0 test-driver captures)', () => {
  it('counts only "shut off" and "crashed" as off; "in shutdown", paused and pmsuspended are on', () => {
    const states = Object.fromEntries(
      parseVirshList(fixture('virsh-list-all.txt')).map((d) => [d.name, virshPowerState(d.state)]),
    );
    expect(states).toEqual({
      web1: 'on',
      db1: 'on',
      app1: 'on',
      crash1: 'off',
      sleep1: 'on',
      stop1: 'on',
      old1: 'off',
    });
    expect(virshPowerState(parseVirshDomstate(fixture('virsh-domstate-reason-ioerror.txt')).state)).toBe(
      'on',
    );
    expect(virshPowerState(parseVirshDomstate(fixture('virsh-domstate-reason-shutoff.txt')).state)).toBe(
      'off',
    );
  });

  it('quotes the domain for the remote shell and ends options before it', () => {
    expect(virshCommand(['destroy', '--', "vm'; rm -rf /"], { uri: 'qemu:///system' })).toBe(
      `'virsh' '-c' 'qemu:///system' 'destroy' '--' 'vm'\\''; rm -rf /'`,
    );
    expect(virshCommand(['domstate', '--', 'a b'], {})).toBe(`'virsh' 'domstate' '--' 'a b'`);
  });
});
