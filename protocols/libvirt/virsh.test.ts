import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domstateIsStuck, parseVirshDominfo, parseVirshDomstate, parseVirshList } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('virsh parsers', () => {
  it('parses virsh list --all with every state (virsh 9.0.0 test:/// driver, captured on this machine)', () => {
    expect(parseVirshList(fixture('virsh-list-all.txt'))).toEqual([
      { id: 1, name: 'web1', state: 'running' },
      { id: 2, name: 'db1', state: 'paused' },
      { id: 3, name: 'app1', state: 'paused' },
      { id: 4, name: 'crash1', state: 'crashed' },
      { id: 5, name: 'sleep1', state: 'pmsuspended' },
      { id: 6, name: 'stop1', state: 'in shutdown' },
      { id: undefined, name: 'old1', state: 'shut off' },
    ]);
  });

  it('parses domstate --reason "paused (user)" and "shut off (unknown)" (virsh 9.0.0, captured on this machine)', () => {
    const user = parseVirshDomstate(fixture('virsh-domstate-reason-paused-user.txt'));
    expect(user).toEqual({ state: 'paused', reason: 'user' });
    expect(domstateIsStuck(user)).toBe(false);
    expect(parseVirshDomstate(fixture('virsh-domstate-reason-shutoff.txt'))).toEqual({
      state: 'shut off',
      reason: 'unknown',
    });
    expect(parseVirshDomstate('running\n')).toEqual({ state: 'running', reason: undefined });
  });

  it('flags "paused (I/O error)" as stuck (reason word from virsh 9.0.0 strings; tp-libvirt asserts this exact line)', () => {
    const io = parseVirshDomstate(fixture('virsh-domstate-reason-ioerror.txt'));
    expect(io).toEqual({ state: 'paused', reason: 'I/O error' });
    expect(domstateIsStuck(io)).toBe(true);
  });

  it('parses dominfo of a paused and a shut-off domain (virsh 9.0.0 test:/// driver, captured on this machine)', () => {
    const paused = parseVirshDominfo(fixture('virsh-dominfo-paused.txt'));
    expect(paused).toMatchObject({
      id: 3,
      name: 'app1',
      state: 'paused',
      cpus: 2,
      maxMemoryBytes: 1048576 * 1024,
      usedMemoryBytes: 524288 * 1024,
      persistent: true,
      autostart: false,
      managedSave: false,
    });
    expect(paused.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(paused.extra['Security model']).toBe('testSecurity');
    const off = parseVirshDominfo(fixture('virsh-dominfo-shutoff.txt'));
    expect(off.id).toBeUndefined();
    expect(off.state).toBe('shut off');
  });

  it('rejects unknown states and foreign text with the line', () => {
    expect(() => parseVirshDomstate('sleeping (tired)')).toThrow(
      /virsh domstate line 1: expected a domain state/,
    );
    expect(() => parseVirshList('Name ID Mem VCPUs State Time(s)\nDomain-0 0 750 4 r----- 1.0')).toThrow(
      /virsh list line 1: expected the header/,
    );
    const bad = fixture('virsh-list-all.txt').replace('web1     running', 'web1     flying');
    expect(() => parseVirshList(bad)).toThrow(/virsh list line 3: expected a row ending in a domain state/);
    expect(() => parseVirshDominfo('Name: x\n')).toThrow(/expected a "Id:" line/);
  });
});
