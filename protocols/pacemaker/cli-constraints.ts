import { XMLParser } from 'fast-xml-parser';
import { HavocError } from '../../core/errors.js';

/**
 * A location constraint a Pacemaker tool left behind: `crm_resource --move`
 * writes `cli-prefer-<resource>`, `--ban` writes `cli-ban-<resource>-on-<node>`;
 * both stay until `crm_resource --clear`. Read from `cibadmin --query --scope
 * constraints`, which is the CIB itself, not what a tool says it did.
 */
export interface CliConstraint {
  id: string;
  resource: string;
  node: string | undefined;
  score: string | undefined;
}

export function parseCliConstraints(xml: string): CliConstraint[] {
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseAttributeValue: false,
      isArray: (name) => name === 'rsc_location',
    }).parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new HavocError(
      'pacemaker-protocol',
      `cibadmin --query --scope constraints: not XML: ${String(err)}`,
    );
  }
  const constraints = doc['constraints'];
  if (constraints === undefined || (typeof constraints !== 'object' && constraints !== '')) {
    throw new HavocError(
      'pacemaker-protocol',
      'cibadmin --query --scope constraints: no <constraints> element in its output',
    );
  }
  const locations = (
    typeof constraints === 'object' && constraints !== null
      ? ((constraints as Record<string, unknown>)['rsc_location'] ?? [])
      : []
  ) as Record<string, string>[];
  return locations
    .filter((l) => typeof l['@id'] === 'string' && l['@id'].startsWith('cli-'))
    .map((l) => ({
      id: l['@id']!,
      resource: l['@rsc'] ?? '',
      node: l['@node'],
      score: l['@score'],
    }));
}
