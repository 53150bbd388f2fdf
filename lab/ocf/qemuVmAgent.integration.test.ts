/**
 * The OCF agent run by hand the way pacemaker-execd runs it: one process per
 * action, inside the node's network namespace, parameters in OCF_RESKEY_*.
 * Real QEMU, qemu-nbd and bridges in namespaces this file creates (hvv-<id>-*).
 */
import { spawn } from 'node:child_process';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import {
  createTestbed,
  destroyTestbed,
  NBD_EXPORT,
  NBD_PORT,
  probeFromClient,
  requireLabPrograms,
  type Testbed,
  waitForAnswers,
} from '../../test/support/vm-testbed.js';
import { buildGuestImage, type GuestImage } from '../guest/initramfs.js';
import { runCommand } from '../vm/hostCommand.js';
import { OCF } from './ocfExit.js';
import { installOcfLauncher } from './ocfLauncher.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const AGENT_TS = join(REPO_ROOT, 'lab/ocf/qemu-vm.ts');

interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('OCF agent ocf:havoc:qemu-vm run by hand with OCF_RESKEY_* (real QEMU, qemu-nbd)', () => {
  let tb: Testbed;
  let image: GuestImage;
  let launcherDir: string;
  let launcher: string;

  /** Pacemaker would give every node the same parameters; /run is per node there, here state_dir differs. */
  const params = (node: number): Record<string, string> => ({
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'vm1',
    OCF_RESKEY_name: 'vm1',
    OCF_RESKEY_memory: '192',
    OCF_RESKEY_vcpus: '1',
    OCF_RESKEY_kernel: image.kernel,
    OCF_RESKEY_initrd: image.initrd,
    OCF_RESKEY_ip: `${tb.guestIp}/24`,
    OCF_RESKEY_mac: tb.guestMac,
    OCF_RESKEY_nbd_host: tb.storageAddress,
    OCF_RESKEY_nbd_port: String(NBD_PORT),
    OCF_RESKEY_nbd_export: NBD_EXPORT,
    OCF_RESKEY_bridge: 'brvm',
    OCF_RESKEY_migration_addresses: `node1=${tb.hosts[0]!.address} node2=${tb.hosts[1]!.address}`,
    OCF_RESKEY_migration_port: '49153',
    OCF_RESKEY_state_dir: join(tb.stateRoot, `node${node}-vm1`),
  });

  function agent(
    node: number,
    action: string,
    extraEnv: Record<string, string | undefined> = {},
  ): Promise<AgentRun> {
    const env: Record<string, string | undefined> = {
      PATH: process.env['PATH'],
      ...params(node),
      ...extraEnv,
    };
    const child = spawn('ip', ['netns', 'exec', tb.hosts[node - 1]!.ns, launcher, action], {
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
  }

  async function waitHttp(): Promise<{ bootId: string; counter: number }> {
    const { lines } = await probeFromClient(tb, ['wait', `http://${tb.guestIp}/`, '60000']).done;
    const last = lines.at(-1) as {
      ok: boolean;
      status?: { bootId: string; counter: number };
      error?: string;
    };
    if (!last?.ok || !last.status) throw new Error(`guest HTTP did not answer: ${last?.error}`);
    return last.status;
  }

  beforeAll(async () => {
    await requireLabPrograms();
    image = await buildGuestImage({ cacheDir: join(tmpdir(), 'havoc-guest-cache') });
    tb = await createTestbed({ hosts: 2 });
    launcherDir = tempDir('hvv-ocf-');
    launcher = join(launcherDir, 'resource.d/havoc/qemu-vm');
    await installOcfLauncher(launcher, {
      node: process.execPath,
      agent: AGENT_TS,
      nodeArgs: ['--import', import.meta.resolve('tsx')],
    });
  });

  afterAll(async () => {
    if (tb) {
      for (const node of [1, 2]) await agent(node, 'stop').catch(() => undefined);
      await destroyTestbed(tb);
    }
    if (launcherDir) await rm(launcherDir, { recursive: true, force: true });
  });

  it('meta-data is valid against the ra-api-1.dtd shipped by Debian resource-agents', async () => {
    const run = await agent(1, 'meta-data');
    expect(run.code).toBe(OCF.SUCCESS);
    const dtd = '/usr/share/resource-agents/ra-api-1.dtd';
    await access(dtd).catch(() => {
      throw new Error(`${dtd} missing: install the Debian package resource-agents`);
    });
    const file = join(launcherDir, 'meta-data.xml');
    await writeFile(file, run.stdout);
    const out = await runCommand(['xmllint', '--noout', '--dtdvalid', dtd, file]).catch((err: Error) => {
      throw new Error(`xmllint failed (Debian package libxml2-utils): ${err.message}`);
    });
    expect(out).toBe('');
    for (const p of [
      'name',
      'memory',
      'vcpus',
      'kernel',
      'initrd',
      'ip',
      'mac',
      'nbd_host',
      'nbd_export',
      'bridge',
      'migration_addresses',
      'migration_port',
      'state_dir',
    ]) {
      expect(run.stdout).toContain(`<parameter name="${p}"`);
    }
    for (const a of ['start', 'stop', 'monitor', 'migrate_to', 'migrate_from', 'meta-data', 'validate-all']) {
      expect(run.stdout).toContain(`<action name="${a}"`);
    }
  });

  it('exit codes for bad invocations and bad parameters follow the OCF spec', async () => {
    expect((await agent(1, '')).code).toBe(OCF.ERR_ARGS);
    expect((await agent(1, 'reload-agent')).code).toBe(OCF.ERR_UNIMPLEMENTED);
    const missing = await agent(1, 'validate-all', { OCF_RESKEY_mac: undefined });
    expect(missing.code).toBe(OCF.ERR_CONFIGURED);
    expect(missing.stderr).toContain('missing required parameter(s): mac');
    const badMac = await agent(1, 'validate-all', { OCF_RESKEY_mac: '52:54:00:zz:00:01' });
    expect(badMac.code).toBe(OCF.ERR_CONFIGURED);
    expect(badMac.stderr).toContain('mac "52:54:00:zz:00:01"');
    const noKernel = await agent(1, 'validate-all', { OCF_RESKEY_kernel: '/nonexistent/vmlinuz' });
    expect(noKernel.code).toBe(OCF.ERR_INSTALLED);
    expect((await agent(1, 'validate-all')).code).toBe(OCF.SUCCESS);
    const noTarget = await agent(1, 'migrate_to');
    expect(noTarget.code).toBe(OCF.ERR_ARGS);
  });

  it('start, monitor, migrate_to + migrate_from, stop: the guest keeps its boot id across the migration', async () => {
    expect((await agent(1, 'monitor')).code).toBe(OCF.NOT_RUNNING);
    const started = await agent(1, 'start');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(OCF.SUCCESS);
    expect((await agent(1, 'monitor')).code).toBe(OCF.SUCCESS);
    expect((await agent(1, 'start')).code).toBe(OCF.SUCCESS); // start of a running resource is a success
    const before = await waitHttp();

    const watcher = probeFromClient(tb, ['watch', `http://${tb.guestIp}/`, '20'], { stdinOpen: true });
    await waitForAnswers(watcher, 10, 'answers before the migration', 30_000);
    const migration = {
      OCF_RESKEY_CRM_meta_migrate_source: 'node1',
      OCF_RESKEY_CRM_meta_migrate_target: 'node2',
    };
    const to = await agent(1, 'migrate_to', migration);
    expect(to.code, to.stderr).toBe(OCF.SUCCESS);
    const from = await agent(2, 'migrate_from', migration);
    expect(from.code, from.stderr).toBe(OCF.SUCCESS);
    expect((await agent(1, 'monitor')).code).toBe(OCF.NOT_RUNNING); // paused in postmigrate: not running here
    expect((await agent(1, 'stop')).code).toBe(OCF.SUCCESS);
    expect((await agent(2, 'monitor')).code).toBe(OCF.SUCCESS);
    // Keep probing after the migration, so a late outage or a second copy of the guest would show.
    await waitForAnswers(watcher, 50, 'answers after the migration', 30_000, watcher.lines.length);
    watcher.child.stdin?.end();
    const summary = (
      (await watcher.done).lines.at(-1) as {
        summary: { longestGapMs: number; bootIds: string[]; failures: number; samples: number };
      }
    ).summary;
    console.log(
      `OCF migrate_to+migrate_from: ${from.stderr.trim()}; client probe every 20 ms: longest gap ${Math.round(summary.longestGapMs)} ms, ${summary.failures}/${summary.samples} failed`,
    );
    const after = await waitHttp();
    expect(after.bootId).toBe(before.bootId);
    expect(summary.bootIds).toEqual([before.bootId]);
    const relayLog = await readFile(join(tb.stateRoot, 'node1-vm1', 'relay-serve.log'), 'utf8');
    expect(relayLog).toContain(`connected; streaming`);

    expect((await agent(2, 'stop')).code).toBe(OCF.SUCCESS);
    expect((await agent(2, 'monitor')).code).toBe(OCF.NOT_RUNNING);
    expect((await agent(2, 'stop')).code).toBe(OCF.SUCCESS); // stop is idempotent
  });
});
