import { HavocError } from '../../core/errors.js';
import { children, optAttr, parsePacemakerXml, type XmlElement } from './xmlResult.js';

/*
 * `cibadmin --query --scope constraints`: the location constraints of the
 * CIB. `crm_resource --move` and `--ban` (and pcs/crmsh move, ban, migrate)
 * leave a location constraint whose id starts with "cli-prefer-" or
 * "cli-ban-" until someone clears it: a VM pinned to one host, or banned
 * from the host it should fail over to, long after the maintenance ended.
 */

export const CIBADMIN_CONSTRAINTS_ARGV: readonly string[] = ['cibadmin', '--query', '--scope', 'constraints'];

export interface LocationConstraint {
  id: string;
  resource: string;
  /** Empty for a rule-based constraint (no node attribute). */
  node: string;
  score: string;
  role: string | undefined;
  /** The constraint has rules (`crm_resource --ban/--move` with a lifetime write one). */
  hasRules: boolean;
}

export interface CliConstraint extends LocationConstraint {
  kind: 'ban' | 'prefer';
}

const REPEATED = new Set(['rsc_location', 'rule', 'expression', 'date_expression']);

/** One <rsc_location> element, wherever it was read from (this file's scope query, or a whole CIB). */
export function locationOf(c: XmlElement, i: number): LocationConstraint {
  const id = optAttr(c, 'id');
  if (id === undefined) {
    throw new HavocError('pacemaker-parse', `cibadmin: rsc_location #${i + 1} has no id attribute`);
  }
  return {
    id,
    resource: optAttr(c, 'rsc') ?? optAttr(c, 'rsc-pattern') ?? '',
    node: optAttr(c, 'node') ?? '',
    score: optAttr(c, 'score') ?? '',
    role: optAttr(c, 'role'),
    hasRules: children(c, 'rule').length > 0,
  };
}

export function parseLocationConstraints(xml: string): LocationConstraint[] {
  const doc = parsePacemakerXml(xml, 'cibadmin constraints', REPEATED);
  if (!('constraints' in doc)) {
    throw new HavocError(
      'pacemaker-parse',
      `cibadmin: expected a <constraints> root element, got ${Object.keys(doc).join(', ') || 'nothing'}`,
      { hint: 'run it as `cibadmin --query --scope constraints`' },
    );
  }
  return children(doc.constraints as XmlElement, 'rsc_location').map(locationOf);
}

/** The constraints a move or ban left behind. */
export function cliConstraints(all: readonly LocationConstraint[]): CliConstraint[] {
  const out: CliConstraint[] = [];
  for (const c of all) {
    if (c.id.startsWith('cli-ban-')) out.push({ ...c, kind: 'ban' });
    else if (c.id.startsWith('cli-prefer-')) out.push({ ...c, kind: 'prefer' });
  }
  return out;
}

/** `cibadmin --query --scope constraints` output to the constraints a move or ban left behind. */
export function parseCliConstraints(xml: string): CliConstraint[] {
  return cliConstraints(parseLocationConstraints(xml));
}
