import { XMLParser } from 'fast-xml-parser';
import { HavocError } from '../../core/errors.js';

/*
 * `virsh dumpxml` of one domain (libvirt's domain XML format,
 * https://libvirt.org/formatdomain.html): only what the live checks read,
 * the memory, the guest CPU and the disks with their cache modes.
 */

export type GuestCpuMode = 'host-passthrough' | 'host-model' | 'maximum' | 'custom' | 'default';

export interface DomainDisk {
  /** The guest's device name (vda). */
  target: string;
  /** The file, block device, or protocol:name of a network disk. */
  source: string;
  /** The driver's cache attribute as written; undefined: the hypervisor's default (QEMU: writeback). */
  cache: string | undefined;
  /** A read-only or shareable disk: no writes of this host to lose on a migration. */
  readonly: boolean;
}

export interface LibvirtDomain {
  name: string;
  /** The domain type: kvm, or qemu (TCG: the guest never sees the host's CPU). */
  type: string;
  /** <memory>: the memory the guest boots with, in MiB. */
  memoryMiB: number;
  cpu: { mode: GuestCpuMode; model: string | undefined };
  disks: DomainDisk[];
}

type El = Record<string, unknown>;

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  bytes: 1,
  kb: 1e3,
  k: 2 ** 10,
  kib: 2 ** 10,
  mb: 1e6,
  m: 2 ** 20,
  mib: 2 ** 20,
  gb: 1e9,
  g: 2 ** 30,
  gib: 2 ** 30,
  tb: 1e12,
  t: 2 ** 40,
  tib: 2 ** 40,
};

const list = (v: unknown): El[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) =>
    typeof x === 'object' && x !== null ? (x as El) : {},
  );
const text = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number'
    ? String(v)
    : typeof v === 'object' && v
      ? text((v as El)['#text'])
      : undefined;
const at = (el: El | undefined, name: string): string | undefined => {
  const v = el?.[`@${name}`];
  return typeof v === 'string' ? v : undefined;
};

function memoryMiB(el: unknown, domain: string): number {
  const value = text(el);
  const unit = (at(list(el)[0], 'unit') ?? 'KiB').toLowerCase();
  const factor = UNIT_BYTES[unit];
  if (!value || !/^\d+$/.test(value.trim()) || factor === undefined)
    throw new HavocError(
      'libvirt-parse',
      `domain ${domain}: <memory> ${JSON.stringify(value)} ${unit} is not a size`,
    );
  return (Number(value.trim()) * factor) / 2 ** 20;
}

function diskSource(disk: El): string {
  const src = list(disk.source)[0];
  if (!src) return '(no source)';
  const plain = at(src, 'file') ?? at(src, 'dev') ?? at(src, 'dir') ?? at(src, 'volume');
  if (plain) return plain;
  const protocol = at(src, 'protocol');
  return protocol ? `${protocol}:${at(src, 'name') ?? ''}` : '(no source)';
}

/** Parses one `virsh dumpxml` document. */
export function parseDomainXml(xml: string, what = 'virsh dumpxml'): LibvirtDomain {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === 'disk',
  });
  let doc: El;
  try {
    doc = parser.parse(xml, true) as El;
  } catch (err) {
    throw new HavocError('libvirt-parse', `${what}: not well-formed XML: ${(err as Error).message}`);
  }
  const d = list(doc.domain)[0];
  const name = text(d?.name);
  if (!d || !name)
    throw new HavocError(
      'libvirt-parse',
      `${what}: expected a <domain> with a <name>, got ${Object.keys(doc).join(', ') || 'nothing'}`,
    );
  const cpuEl = list(d.cpu)[0];
  const rawMode = at(cpuEl, 'mode');
  const model = text(cpuEl?.model);
  // libvirt: a <cpu> with a <model> and no mode is mode='custom'; no <cpu> at all is the hypervisor's default model.
  const mode: GuestCpuMode =
    rawMode === 'host-passthrough' ||
    rawMode === 'host-model' ||
    rawMode === 'maximum' ||
    rawMode === 'custom'
      ? rawMode
      : cpuEl && model
        ? 'custom'
        : 'default';
  const devices = list(d.devices)[0];
  const disks = list(devices?.disk)
    .filter((disk) => (at(disk, 'device') ?? 'disk') === 'disk' || at(disk, 'device') === 'lun')
    .map((disk) => ({
      target: at(list(disk.target)[0], 'dev') ?? '(no target)',
      source: diskSource(disk),
      cache: at(list(disk.driver)[0], 'cache'),
      readonly: disk.readonly !== undefined || disk.shareable !== undefined,
    }));
  return {
    name,
    type: at(d, 'type') ?? 'kvm',
    memoryMiB: memoryMiB(d.memory, name),
    cpu: { mode, model },
    disks,
  };
}
