import { XMLParser } from 'fast-xml-parser';
import { HavocError } from '../../core/errors.js';

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
}

export interface CliConstraint extends LocationConstraint {
  kind: 'ban' | 'prefer';
}

export function parseLocationConstraints(xml: string): LocationConstraint[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    isArray: (name) => name === 'rsc_location',
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new HavocError(
      'pacemaker-parse',
      `cibadmin constraints XML is not well-formed: ${(err as Error).message}`,
    );
  }
  if (!('constraints' in doc)) {
    throw new HavocError(
      'pacemaker-parse',
      `cibadmin: expected a <constraints> root element, got ${Object.keys(doc).join(', ') || 'nothing'}`,
      { hint: 'run it as `cibadmin --query --scope constraints`' },
    );
  }
  const root = doc['constraints'];
  const list =
    typeof root === 'object' && root !== null ? (root as Record<string, unknown>)['rsc_location'] : [];
  return ((list as Record<string, unknown>[] | undefined) ?? []).map((c, i) => {
    const id = c['@id'];
    if (typeof id !== 'string') {
      throw new HavocError('pacemaker-parse', `cibadmin: rsc_location #${i + 1} has no id attribute`);
    }
    const str = (name: string) => (typeof c[name] === 'string' ? (c[name] as string) : undefined);
    return {
      id,
      resource: str('@rsc') ?? str('@rsc-pattern') ?? '',
      node: str('@node') ?? '',
      score: str('@score') ?? '',
      role: str('@role'),
    };
  });
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
