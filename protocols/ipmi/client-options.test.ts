import { describe, expect, it } from 'vitest';
import { HavocError } from '../../core/errors.js';
import { CipherSuiteMemory, IpmiClient } from './index.js';

const base = { host: '127.0.0.1', port: 6230, user: 'admin', password: 'Sup3r-Secret-PW' };

function configError(make: () => unknown): HavocError {
  try {
    make();
  } catch (err) {
    if (err instanceof HavocError) return err;
    throw err;
  }
  throw new Error('expected a HavocError');
}

describe('IpmiClient options', () => {
  it('refuses cipher suite 0 unless allowCipherSuite0 is set, naming the target and not the password', () => {
    const err = configError(() => new IpmiClient({ ...base, cipherSuites: [17, 0] }));
    expect(err.code).toBe('insecure-cipher');
    expect(err.describe()).toContain('127.0.0.1:6230 (user admin)');
    expect(err.describe()).toContain('allowCipherSuite0');
    expect(err.describe()).not.toContain(base.password);
    expect(() => new IpmiClient({ ...base, cipherSuites: [0], allowCipherSuite0: true })).not.toThrow();
  });

  it('rejects suites it does not implement, an unknown privilege and a malformed Kg', () => {
    expect(configError(() => new IpmiClient({ ...base, cipherSuites: [1] })).describe()).toContain(
      'cipher suite 1',
    );
    expect(configError(() => new IpmiClient({ ...base, privilege: 'root' as 'user' })).describe()).toContain(
      'unknown IPMI privilege "root"',
    );
    expect(configError(() => new IpmiClient({ ...base, kgHex: 'xyz' })).describe()).toContain('Kg');
  });

  it('labels the target as the caller names it', () => {
    expect(new IpmiClient({ ...base, label: 'BMC of host2' }).target).toBe(
      'BMC of host2 127.0.0.1:6230 (user admin)',
    );
  });
});

describe('CipherSuiteMemory', () => {
  it('remembers per host:port and forgets', () => {
    const memory = new CipherSuiteMemory();
    memory.remember('10.0.0.5', 623, 3);
    expect(memory.get('10.0.0.5', 623)).toBe(3);
    expect(memory.get('10.0.0.5', 624)).toBeUndefined();
    memory.forget('10.0.0.5', 623);
    expect(memory.get('10.0.0.5', 623)).toBeUndefined();
  });
});
