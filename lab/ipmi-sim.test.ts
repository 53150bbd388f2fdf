import { describe, expect, it } from 'vitest';
import { type IpmiSimConfig, renderEmuCommands, renderLanConf } from './ipmi-sim.js';

const config: IpmiSimConfig = {
  stateDir: '/tmp/x',
  address: '10.10.0.5',
  port: 6231,
  admin: { name: 'root', password: 'calvin-123' },
  operator: { name: 'fence', password: 'f3nce-pw' },
  chassisControlScript: '/var/lib/havoc/lab/chassis host1',
};

describe('ipmi_sim lan.conf', () => {
  it('binds the address and port, defines an admin (4) and an operator (3), and wires the chassis script', () => {
    expect(() => renderLanConf(config)).toThrow('chassis control script path');
    const text = renderLanConf({ ...config, chassisControlScript: '/var/lib/havoc/lab/chassis-host1.sh' });
    expect(text).toContain('addr 10.10.0.5 6231');
    expect(text).toMatch(/user 2 true "root" "calvin-123" admin 10/);
    expect(text).toMatch(/user 3 true "fence" "f3nce-pw" operator 10/);
    expect(text).toContain('chassis_control "/var/lib/havoc/lab/chassis-host1.sh 0x20"');
    expect(text).not.toMatch(/allowed_auths_\w+ .*(none|straight)/);
  });

  it('loads the diagnostic interrupt module only when given, with the chassis script as its option', () => {
    const script = '/var/lib/havoc/lab/chassis-host1.sh';
    expect(renderLanConf({ ...config, chassisControlScript: script })).not.toContain('loadlib');
    expect(
      renderLanConf({
        ...config,
        chassisControlScript: script,
        diagInterruptModule: '/var/lib/havoc/lab/bmc/diag-interrupt.so',
      }),
    ).toContain(`loadlib "/var/lib/havoc/lab/bmc/diag-interrupt.so" "${script}"`);
  });

  it('rejects values that would break out of the quotes or exceed IPMI limits', () => {
    const script = '/s.sh';
    expect(() =>
      renderLanConf({ ...config, chassisControlScript: script, admin: { name: 'a', password: 'x"y' } }),
    ).toThrow('password must be non-empty without quotes');
    expect(() =>
      renderLanConf({
        ...config,
        chassisControlScript: script,
        admin: { name: 'a', password: 'x'.repeat(20) },
      }),
    ).toThrow('exceeds 19 bytes');
    expect(() => renderLanConf({ ...config, chassisControlScript: 'relative.sh' })).toThrow('absolute path');
  });

  it('enables one BMC at IPMB 0x20', () => {
    expect(renderEmuCommands().split('\n')).toEqual(
      expect.arrayContaining(['mc_setbmc 0x20', 'mc_enable 0x20']),
    );
  });
});
