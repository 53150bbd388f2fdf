import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { actionBudgetMs, parseMigrationAddresses, readAgentConfig } from './agentParams.js';
import { agentMetadata } from './metadata.js';
import { OCF, OcfFailure } from './ocfExit.js';
import { installOcfLauncher, ocfLauncherScript } from './ocfLauncher.js';
import { relayCommand, runAgent } from './qemuVmAgent.js';

const env = {
  OCF_RESKEY_name: 'web1',
  OCF_RESKEY_kernel: '/boot/vmlinuz',
  OCF_RESKEY_initrd: '/var/cache/havoc/guest.cpio.gz',
  OCF_RESKEY_ip: '198.18.3.101/24',
  OCF_RESKEY_mac: '52:54:00:77:00:64',
  OCF_RESKEY_nbd_host: '198.18.3.5',
  OCF_RESKEY_nbd_export: 'web1',
  OCF_RESKEY_bridge: 'brvm',
  OCF_RESKEY_migration_addresses: 'node1=198.18.3.11, node2=198.18.3.12',
};

describe('OCF agent parameters, meta-data and launcher', () => {
  it('reads OCF_RESKEY_* with defaults', () => {
    const config = readAgentConfig(env);
    expect(config.spec).toMatchObject({
      name: 'web1',
      memoryMiB: 192,
      vcpus: 1,
      tap: 'tap-web1',
      nbd: { host: '198.18.3.5', port: 10809, export: 'web1' },
      stateDir: '/run/havoc/qemu-vm/web1',
      gateway: undefined,
    });
    expect([...config.migrationAddresses]).toEqual([
      ['node1', '198.18.3.11'],
      ['node2', '198.18.3.12'],
    ]);
    expect(config.migrationPort).toBe(49152);
  });

  it('refuses missing and malformed parameters with OCF_ERR_CONFIGURED, naming them', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return err instanceof OcfFailure ? [err.exitCode, err.message] : err;
      }
    };
    expect(
      codeOf(() => readAgentConfig({ ...env, OCF_RESKEY_kernel: '', OCF_RESKEY_ip: undefined })),
    ).toEqual([OCF.ERR_CONFIGURED, 'missing required parameter(s): kernel, ip']);
    expect(codeOf(() => readAgentConfig({ ...env, OCF_RESKEY_memory: '1G' }))).toEqual([
      OCF.ERR_CONFIGURED,
      'parameter memory="1G" is not a whole number',
    ]);
    expect(codeOf(() => parseMigrationAddresses('node1=10.0.0.1 node2'))).toEqual([
      OCF.ERR_CONFIGURED,
      'migration_addresses: "node2" is not node=address',
    ]);
  });

  it("uses Pacemaker's action timeout, less a margin", () => {
    expect(actionBudgetMs({ OCF_RESKEY_CRM_meta_timeout: '90000' }, 5)).toBe(88_000);
    expect(actionBudgetMs({}, 55_000)).toBe(55_000);
  });

  it('meta-data is well-formed XML listing every parameter and action', async () => {
    const xml = agentMetadata();
    expect(XMLValidator.validate(xml)).toBe(true);
    let out = '';
    expect(
      await runAgent(
        'meta-data',
        {},
        {
          out: (t) => {
            out += t;
          },
          log: () => undefined,
        },
      ),
    ).toBe(OCF.SUCCESS);
    expect(out).toBe(xml);
    expect(xml).toContain('<parameter name="migration_addresses" required="0" unique="0">');
    expect(xml).toContain('<action name="monitor" timeout="30s" interval="10s" depth="0"/>');
  });

  it('the generated launcher execs the agent with all arguments (run by /bin/sh)', () => {
    const dir = tempDir('hvv-launcher-');
    try {
      const agent = join(dir, "agent it's.mjs");
      writeFileSync(agent, 'console.log(JSON.stringify(process.argv.slice(2)));\n');
      const launcher = join(dir, 'resource.d/havoc/qemu-vm');
      return installOcfLauncher(launcher, { node: process.execPath, agent })
        .then(() => {
          expect(statSync(launcher).mode & 0o777).toBe(0o755);
          expect(readFileSync(launcher, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
          const out = execFileSync(launcher, ['migrate_to', 'two words'], { encoding: 'utf8' });
          expect(JSON.parse(out)).toEqual(['migrate_to', 'two words']);
          // meta-data comes from the shell, byte for byte the agent's own answer, without running it.
          expect(execFileSync(launcher, ['meta-data'], { encoding: 'utf8' })).toBe(agentMetadata());
        })
        .finally(() => rmSync(dir, { recursive: true, force: true }));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  });

  it('refuses a relative path in the launcher', () => {
    expect(() => ocfLauncherScript({ node: 'node', agent: '/x.js' })).toThrow(
      /node path "node" must be absolute/,
    );
  });

  it('quotes the relay command QEMU runs through /bin/sh', () => {
    const command = relayCommand('serve', '198.18.3.11', 49152, "/run/havoc/it's/relay.log");
    // `set --` makes the shell parse the command exactly as `sh -c` would before exec.
    const out = execFileSync('/bin/sh', ['-c', `set -- ${command}; printf '%s\\0' "$@"`], {
      encoding: 'utf8',
    });
    const argv = out.split('\0').slice(0, -1);
    expect(argv[0]).toBe(process.execPath);
    expect(argv.slice(-5)).toEqual(['serve', '198.18.3.11', '49152', '120000', "/run/havoc/it's/relay.log"]);
  });

  it('answers unknown and missing actions with the OCF codes', async () => {
    const io = { out: () => undefined, log: () => undefined };
    expect(await runAgent('promote', env, io)).toBe(OCF.ERR_UNIMPLEMENTED);
    expect(await runAgent(undefined, env, io)).toBe(OCF.ERR_ARGS);
  });
});
