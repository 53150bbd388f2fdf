import { PARAMS } from './agentParams.js';

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Timeouts advertised to Pacemaker (seconds): TCG boots take ~5-10 s, migrations a few seconds. */
const ACTIONS: ReadonlyArray<{ name: string; timeout: number; interval?: number; depth?: number }> = [
  { name: 'start', timeout: 90 },
  { name: 'stop', timeout: 60 },
  { name: 'monitor', timeout: 30, interval: 10, depth: 0 },
  { name: 'migrate_to', timeout: 60 },
  { name: 'migrate_from', timeout: 180 },
  { name: 'meta-data', timeout: 5 },
  { name: 'validate-all', timeout: 10 },
];

/** The agent's OCF 1.1 meta-data (resource-agent DTD: ra-api-1.dtd). */
export function agentMetadata(): string {
  const params = PARAMS.map((p) => {
    // unique= rather than OCF 1.1's unique-group: the ra-api-1.dtd Debian ships knows only unique.
    const attrs = `name="${p.name}" required="${p.required ? 1 : 0}" unique="${p.unique ? 1 : 0}"`;
    const dflt = p.default === undefined ? '' : ` default="${escapeXml(p.default)}"`;
    return [
      `    <parameter ${attrs}>`,
      `      <longdesc lang="en">${escapeXml(p.longdesc)}</longdesc>`,
      `      <shortdesc lang="en">${escapeXml(p.shortdesc)}</shortdesc>`,
      `      <content type="${p.type}"${dflt}/>`,
      '    </parameter>',
    ].join('\n');
  }).join('\n');
  const actions = ACTIONS.map((a) => {
    const extra = a.interval === undefined ? '' : ` interval="${a.interval}s" depth="${a.depth ?? 0}"`;
    return `    <action name="${a.name}" timeout="${a.timeout}s"${extra}/>`;
  }).join('\n');
  return `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="qemu-vm" version="1.0">
  <version>1.1</version>
  <longdesc lang="en">
Runs one QEMU virtual machine of the havoc lab (TCG, virtio-net on a tap in a
bridge, virtio-blk on an NBD export) and drives it through QMP. Supports live
migration: migrate_to on the source offers the migration stream on the node's
migration address, migrate_from on the target starts QEMU and pulls it.
  </longdesc>
  <shortdesc lang="en">havoc lab QEMU VM (QMP)</shortdesc>
  <parameters>
${params}
  </parameters>
  <actions>
${actions}
  </actions>
</resource-agent>
`;
}
