import { HavocError } from '../../core/errors.js';
import { type LocationConstraint, locationOf } from './constraints.js';
import { attr, child, children, optAttr, parsePacemakerXml, type XmlElement } from './xmlResult.js';

/*
 * The configuration section of `cibadmin --query` (Pacemaker Explained,
 * "The CIB"): what an operator set, as opposed to crm_mon's view of what
 * runs. Only what havoc's checks read is kept.
 */

const REPEATED = new Set([
  'cluster_property_set',
  'nvpair',
  'node',
  'primitive',
  'clone',
  'group',
  'rsc_location',
  'fencing-level',
  'rsc_colocation',
  'rsc_order',
  'instance_attributes',
  'meta_attributes',
  'op',
  'rule',
  'expression',
]);

export interface CibPrimitive {
  id: string;
  class: string;
  provider: string | undefined;
  type: string;
  params: Record<string, string>;
  meta: Record<string, string>;
}

export interface CibConfiguration {
  /** cib-bootstrap-options and every other cluster_property_set, merged in document order. */
  properties: Record<string, string>;
  /** Node name -> its instance attributes (standby, maintenance). */
  nodes: Record<string, Record<string, string>>;
  primitives: CibPrimitive[];
  locations: LocationConstraint[];
  /** <fencing-topology>: empty when none is configured (every device that can fence a node is its one level). */
  fencingLevels: CibFencingLevel[];
}

/** One <fencing-level>: Pacemaker tries a target's levels by index, the devices of a level all together. */
export interface CibFencingLevel {
  id: string;
  /** The node it fences (target), or a pattern / attribute when the level names the node that way. */
  target: string;
  index: number;
  devices: string[];
}

function nvpairs(sets: XmlElement[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets) {
    for (const p of children(s, 'nvpair')) {
      const name = optAttr(p, 'name');
      const value = optAttr(p, 'value');
      if (name !== undefined && value !== undefined) out[name] = value;
    }
  }
  return out;
}

function primitivesIn(el: XmlElement | undefined): CibPrimitive[] {
  if (!el) return [];
  const own = children(el, 'primitive').map((p) => ({
    id: attr(p, 'id', 'primitive'),
    class: attr(p, 'class', 'primitive'),
    provider: optAttr(p, 'provider'),
    type: attr(p, 'type', 'primitive'),
    params: nvpairs(children(p, 'instance_attributes')),
    meta: nvpairs(children(p, 'meta_attributes')),
  }));
  return [
    ...own,
    ...children(el, 'group').flatMap(primitivesIn),
    ...children(el, 'clone').flatMap(primitivesIn),
  ];
}

export function parseCib(xml: string): CibConfiguration {
  const doc = parsePacemakerXml(xml, 'cibadmin --query', REPEATED);
  const cib = child(doc, 'cib');
  const conf = cib && child(cib, 'configuration');
  if (!conf) {
    throw new HavocError(
      'pacemaker-parse',
      'cibadmin --query: expected <cib><configuration>, found neither',
      {
        hint: 'run it on a cluster node: cibadmin --query',
      },
    );
  }
  const nodes: Record<string, Record<string, string>> = {};
  for (const n of children(child(conf, 'nodes'), 'node')) {
    nodes[optAttr(n, 'uname') ?? attr(n, 'id', 'node')] = nvpairs(children(n, 'instance_attributes'));
  }
  return {
    properties: nvpairs(children(child(conf, 'crm_config'), 'cluster_property_set')),
    nodes,
    primitives: primitivesIn(child(conf, 'resources')),
    locations: children(child(conf, 'constraints'), 'rsc_location').map(locationOf),
    fencingLevels: children(child(conf, 'fencing-topology'), 'fencing-level').map((l) => ({
      id: attr(l, 'id', 'fencing-level'),
      target:
        optAttr(l, 'target') ??
        (optAttr(l, 'target-pattern') ? `pattern ${optAttr(l, 'target-pattern')}` : undefined) ??
        `attribute ${optAttr(l, 'target-attribute') ?? '?'}=${optAttr(l, 'target-value') ?? '?'}`,
      index: Number(attr(l, 'index', 'fencing-level')),
      devices: attr(l, 'devices', 'fencing-level').split(',').filter(Boolean),
    })),
  };
}

/** Pacemaker's boolean spelling (crm_is_true): yes, true, on, y, 1 and their upper cases. */
export function pcmkTrue(value: string | undefined): boolean {
  return value !== undefined && ['yes', 'true', 'on', 'y', '1'].includes(value.toLowerCase());
}
