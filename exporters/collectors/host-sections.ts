import { HavocError } from '../../core/errors.js';
import { MARKER } from './host-script.js';

export interface ScriptSection {
  name: string;
  args: string[];
  body: string;
  /** Exit status of the section's command, when the script printed one. */
  rc: number | undefined;
}

/** Splits the host script's output at its marker lines; text before the first marker is an error. */
export function splitSections(output: string, host: string): ScriptSection[] {
  const sections: ScriptSection[] = [];
  let current: ScriptSection | undefined;
  let body: string[] = [];
  const close = () => {
    if (!current) return;
    // The marker printf starts with a newline, so each body has one trailing blank line too many.
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    current.body = body.length ? `${body.join('\n')}\n` : '';
    sections.push(current);
  };
  const lines = output.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith(`${MARKER} `)) {
      const [name = '', ...args] = line.slice(MARKER.length + 1).split(' ');
      if (name === 'rc') {
        if (!current)
          throw new HavocError('host-script', `host script on ${host}: line ${i + 1}: rc before any section`);
        current.rc = Number(args[0]);
        return;
      }
      close();
      current = { name, args, body: '', rc: undefined };
      body = [];
      return;
    }
    if (!current) {
      if (line.trim() === '') return;
      throw new HavocError(
        'host-script',
        `host script on ${host}: unexpected output before the first section: ${JSON.stringify(line.slice(0, 80))}`,
        { hint: 'a login banner or shell profile printing to stdout? havoc runs `sh -s` non-interactively' },
      );
    }
    body.push(line);
  });
  close();
  const last = sections[sections.length - 1];
  if (last?.name !== 'end') {
    throw new HavocError(
      'host-script',
      `host script on ${host}: output ends before the "end" marker (${sections.length} sections read)`,
      {
        hint: 'the script was cut short: the scrape deadline, or the remote shell died',
      },
    );
  }
  return sections;
}
