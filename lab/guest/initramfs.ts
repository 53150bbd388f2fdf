import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GUEST_MODULE_DIR, GUEST_MODULE_LIST, guestInitScript } from './initScript.js';
import { moduleName, parseModulesBuiltin, parseModulesDep, resolveLoadOrder } from './moduleOrder.js';
import { type CpioEntry, encodeNewc } from './newc.js';

const execFileAsync = promisify(execFile);

/** virtio-pci transport, virtio-net for eth0, virtio-blk for /dev/vda; their dependencies come from modules.dep. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk'] as const;

/** Bump when the archive layout changes, so cached archives of the old layout are not reused. */
const LAYOUT_VERSION = 1;

export interface GuestBuildOptions {
  /** Where built archives are kept, keyed by kernel version and content hash. */
  cacheDir: string;
  /** Kernel version (a directory under modulesRoot); default: the newest with both a vmlinuz and modules. */
  kernelVersion?: string;
  bootDir?: string;
  modulesRoot?: string;
  /** A statically linked busybox (Debian busybox-static installs /bin/busybox). */
  busybox?: string;
  signal?: AbortSignal;
}

export interface GuestImage {
  kernelVersion: string;
  kernel: string;
  initrd: string;
  /** Module paths in load order, as resolved from modules.dep. */
  modules: string[];
  /** False when the archive came from the cache. */
  built: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

async function pickKernel(bootDir: string, modulesRoot: string, wanted?: string): Promise<string> {
  const hint = 'install the Debian package linux-image-amd64';
  if (wanted) {
    if (!(await exists(join(bootDir, `vmlinuz-${wanted}`)))) {
      throw new Error(`guest kernel ${join(bootDir, `vmlinuz-${wanted}`)} does not exist: ${hint}`);
    }
    return wanted;
  }
  const names = await readdir(bootDir).catch(() => [] as string[]);
  const versions: string[] = [];
  for (const name of names) {
    if (!name.startsWith('vmlinuz-')) continue;
    const version = name.slice('vmlinuz-'.length);
    if (await exists(join(modulesRoot, version, 'modules.dep'))) versions.push(version);
  }
  const newest = versions.sort(compareVersions).at(-1);
  if (!newest)
    throw new Error(
      `no kernel with modules found (${bootDir}/vmlinuz-*, ${modulesRoot}/*/modules.dep): ${hint}`,
    );
  return newest;
}

async function moduleBytes(path: string, signal?: AbortSignal): Promise<Buffer> {
  if (path.endsWith('.ko')) return readFile(path);
  if (path.endsWith('.ko.gz')) return gunzipSync(await readFile(path));
  // busybox insmod cannot read compressed modules, so they are unpacked here.
  const tool = path.endsWith('.ko.xz')
    ? { cmd: 'xz', pkg: 'xz-utils' }
    : path.endsWith('.ko.zst')
      ? { cmd: 'zstd', pkg: 'zstd' }
      : undefined;
  if (!tool) throw new Error(`kernel module ${path} has an unknown compression`);
  try {
    const { stdout } = await execFileAsync(tool.cmd, ['-dc', path], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    return stdout;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new Error(`${tool.cmd} is needed to unpack ${path}: install the Debian package ${tool.pkg}`);
    throw new Error(`unpacking kernel module ${path} with ${tool.cmd} failed: ${(err as Error).message}`);
  }
}

async function readBusybox(path: string): Promise<Buffer> {
  const hint = 'install the Debian package busybox-static';
  const data = await readFile(path).catch(() => {
    throw new Error(`busybox not found at ${path}: ${hint}`);
  });
  // A dynamically linked ELF has a PT_INTERP segment naming its loader; the initramfs has no loader.
  if (data.includes(Buffer.from('/lib64/ld-linux-x86-64.so'))) {
    throw new Error(`${path} is dynamically linked and cannot run in the guest: ${hint}`);
  }
  return data;
}

/**
 * Builds (or takes from the cache) the lab guest's initramfs for the host's
 * Debian kernel: busybox, the virtio modules in modules.dep order, and /init.
 * Nothing is downloaded.
 */
export async function buildGuestImage(opts: GuestBuildOptions): Promise<GuestImage> {
  const bootDir = opts.bootDir ?? '/boot';
  const modulesRoot = opts.modulesRoot ?? '/lib/modules';
  const busyboxPath = opts.busybox ?? '/bin/busybox';
  const kernelVersion = await pickKernel(bootDir, modulesRoot, opts.kernelVersion);
  const moduleDir = join(modulesRoot, kernelVersion);

  const depPath = join(moduleDir, 'modules.dep');
  const deps = parseModulesDep(await readFile(depPath, 'utf8'), depPath);
  const builtin = parseModulesBuiltin(
    await readFile(join(moduleDir, 'modules.builtin'), 'utf8').catch(() => ''),
  );
  const modules = resolveLoadOrder(deps, GUEST_MODULES, builtin);

  const init = guestInitScript();
  const busybox = await readBusybox(busyboxPath);
  const key = createHash('sha256')
    .update(`layout ${LAYOUT_VERSION}\n${init}\n${modules.join('\n')}\n`)
    .update(busybox)
    .digest('hex')
    .slice(0, 16);
  const initrd = join(opts.cacheDir, `guest-${kernelVersion}-${key}.cpio.gz`);
  const kernel = join(bootDir, `vmlinuz-${kernelVersion}`);
  if ((await stat(initrd).catch(() => undefined))?.isFile())
    return { kernelVersion, kernel, initrd, modules, built: false };

  const flat = modules.map((path) => `${moduleName(path)}.ko`);
  const entries: CpioEntry[] = [
    ...[
      'bin',
      'sbin',
      'dev',
      'etc',
      'etc/havoc',
      'lib',
      'proc',
      'sys',
      'run',
      'tmp',
      'www',
      'usr',
      'usr/bin',
    ].map((path): CpioEntry => ({ kind: 'dir', path })),
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: Buffer.from(init), mode: 0o755 },
    { kind: 'dir', path: GUEST_MODULE_DIR },
    { kind: 'file', path: GUEST_MODULE_LIST, data: Buffer.from(`${flat.join('\n')}\n`) },
  ];
  for (const [i, path] of modules.entries()) {
    entries.push({
      kind: 'file',
      path: join(GUEST_MODULE_DIR, flat[i]!),
      data: await moduleBytes(join(moduleDir, path), opts.signal),
    });
  }

  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = `${initrd}.${process.pid}.tmp`;
  await writeFile(tmp, gzipSync(encodeNewc(entries), { level: 6 }));
  await rename(tmp, initrd);
  return { kernelVersion, kernel, initrd, modules, built: true };
}
