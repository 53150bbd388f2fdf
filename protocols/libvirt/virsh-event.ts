import { HavocError } from '../../core/errors.js';

/*
 * `virsh event --all --loop --timestamp`, line by line. The format is
 * libvirt's tools/virsh-domain-event.c: with --timestamp every event starts
 * with virTimeStringNowRaw() (src/util/virtime.c: "%4d-%02d-%02d
 * %02d:%02d:%02d.%03d+0000", UTC) and ": ", then "event '<name>' for domain
 * '<domain>'" and, for most events, ": <details>". A lifecycle event's
 * details are virshDomainEventToString() (one word: Started, Suspended,
 * Resumed, Stopped...) and virshDomainEventDetailToString() (which may hold
 * spaces: "I/O Error", "Finished after guest request").
 */

export interface VirshEvent {
  /** libvirt's timestamp as printed ("2026-12-01 14:20:01.123+0000"); undefined without --timestamp. */
  at: string | undefined;
  /** The event's name: lifecycle, reboot, io-error, job-completed... */
  name: string;
  domain: string;
  /** What follows "': ", if anything. */
  details: string | undefined;
}

export interface VirshLifecycle {
  event: string;
  detail: string;
}

const STAMP = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\+0000`;
// job-completed ends its first line with "':" and carries its statistics on tab-indented lines.
const LINE = new RegExp(`^(?:(${STAMP}): )?event '([^']+)' for domain '(.*?)'(?::(?: (.*))?)?$`);

/**
 * One line of `virsh event` output, or undefined for a line that is not an
 * event (a graphics event's indented identity lines, a blank line). A line
 * that starts like an event but does not parse is an error, naming it.
 */
export function parseVirshEventLine(line: string): VirshEvent | undefined {
  if (!line.trim() || /^\s/.test(line)) return undefined;
  const m = LINE.exec(line.trimEnd());
  if (!m) {
    if (/^(\d{4}-\d{2}-\d{2} [^:]+:[^:]+:\S+: )?event '/.test(line)) {
      throw new HavocError('virsh-parse', `virsh event: cannot read ${JSON.stringify(line)}`, {
        hint: "expected \"<time>: event '<name>' for domain '<domain>': <details>\"",
      });
    }
    return undefined;
  }
  const [, at, name = '', domain = '', details] = m;
  return { at, name, domain, details };
}

/** The event and detail of a lifecycle event ("Suspended I/O Error" -> Suspended, I/O Error). */
export function lifecycleOf(ev: VirshEvent): VirshLifecycle | undefined {
  if (ev.name !== 'lifecycle' || ev.details === undefined) return undefined;
  const space = ev.details.indexOf(' ');
  if (space < 0) return { event: ev.details, detail: '' };
  return { event: ev.details.slice(0, space), detail: ev.details.slice(space + 1) };
}

/** Splits a stream into whole lines as chunks arrive; the unfinished tail waits for the next chunk. */
export class LineSplitter {
  private tail = '';

  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop() ?? '';
    return parts.map((l) => l.replace(/\r$/, ''));
  }
}
