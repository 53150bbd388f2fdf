import { HavocError } from '../../core/errors.js';

/** What libvirt says of a finished migration job (`virsh domjobinfo --completed`), in its own words. */
export interface CompletedJob {
  /** "Completed", or "None" when libvirt holds no finished job for the domain. */
  jobType: string;
  /** "Incoming migration" on the target, "Outgoing migration" on the source. */
  operation: string | undefined;
  elapsedMs: number | undefined;
  /** The time the guest was paused, as libvirt measured it ("Total downtime"). */
  downtimeMs: number | undefined;
}

/** Parses `virsh domjobinfo --completed DOMAIN` (libvirt 9.0.0 layout: "Key:   value [unit]" lines). */
export function parseDomJobInfo(text: string): CompletedJob {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const jobType = fields.get('Job type');
  if (jobType === undefined) {
    throw new HavocError(
      'virsh-parse',
      `virsh domjobinfo: no "Job type:" line in ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const ms = (key: string) => {
    const v = fields.get(key);
    if (v === undefined) return undefined;
    const m = /^(\d+)\s*ms$/.exec(v);
    if (!m) throw new HavocError('virsh-parse', `virsh domjobinfo: "${key}: ${v}" is not a number of ms`);
    return Number(m[1]);
  };
  return {
    jobType,
    operation: fields.get('Operation'),
    elapsedMs: ms('Time elapsed'),
    downtimeMs: ms('Total downtime'),
  };
}
