import { HavocError } from '../../core/errors.js';
import { type FenceEvent, parseFenceEvent } from './stonith-history.js';
import {
  attr,
  boolAttr,
  child,
  children,
  intAttr,
  optAttr,
  optBoolAttr,
  parsePacemakerResult,
  resultErrors,
  type XmlElement,
} from './xmlResult.js';

/** Pacemaker prints INFINITY scores (fail-count, migration-threshold) as 1000000. */
export const PCMK_INFINITY = 1_000_000;

export interface CrmMonSummary {
  dcPresent: boolean;
  dcName: string | undefined;
  dcId: string | undefined;
  /** undefined when there is no DC to ask. */
  withQuorum: boolean | undefined;
  lastUpdate: string | undefined;
  nodesConfigured: number | undefined;
  resourcesConfigured: number | undefined;
  /** cluster_options stonith-enabled; undefined when crm_mon printed no cluster_options. */
  stonithEnabled: boolean | undefined;
  /** cluster_options maintenance-mode: the whole cluster unmanaged. */
  maintenanceMode: boolean | undefined;
}

export interface PcmkNode {
  name: string;
  id: string;
  online: boolean;
  standby: boolean;
  standbyOnfail: boolean;
  maintenance: boolean;
  pending: boolean;
  unclean: boolean;
  shutdown: boolean;
  expectedUp: boolean;
  isDc: boolean;
  resourcesRunning: number;
  type: string;
}

export interface PcmkResource {
  id: string;
  agent: string;
  role: string;
  targetRole: string | undefined;
  active: boolean;
  orphaned: boolean;
  blocked: boolean;
  managed: boolean;
  failed: boolean;
  failureIgnored: boolean;
  nodes: string[];
  /** crm_mon's nodes_running_on: more than 1 for a primitive means it runs twice. */
  nodesRunningOn: number;
  /** The clone, group or bundle this primitive belongs to, outermost first. */
  parents: { kind: 'clone' | 'group' | 'bundle'; id: string }[];
}

export interface PcmkFailCount {
  node: string;
  resource: string;
  failCount: number;
  migrationThreshold: number | undefined;
  lastFailure: string | undefined;
}

export interface PcmkFailure {
  opKey: string;
  node: string;
  exitStatus: string;
  exitReason: string | undefined;
  exitCode: number;
  call: number;
  status: string;
  lastRcChange: string | undefined;
  task: string | undefined;
  interval: number | undefined;
}

export interface CrmMonStatus {
  summary: CrmMonSummary;
  nodes: PcmkNode[];
  resources: PcmkResource[];
  failCounts: PcmkFailCount[];
  failures: PcmkFailure[];
  /** undefined when crm_mon printed no <fence_history> (no fencer, or not asked). */
  fenceHistory: FenceEvent[] | undefined;
}

function parseNode(el: XmlElement): PcmkNode {
  const b = (n: string) => boolAttr(el, n, 'node');
  return {
    name: attr(el, 'name', 'node'),
    id: attr(el, 'id', 'node'),
    online: b('online'),
    standby: b('standby'),
    standbyOnfail: b('standby_onfail'),
    maintenance: b('maintenance'),
    pending: b('pending'),
    unclean: b('unclean'),
    shutdown: b('shutdown'),
    expectedUp: b('expected_up'),
    isDc: b('is_dc'),
    resourcesRunning: intAttr(el, 'resources_running', 'node'),
    type: attr(el, 'type', 'node'),
  };
}

function parsePrimitive(el: XmlElement, parents: PcmkResource['parents']): PcmkResource {
  const b = (n: string) => boolAttr(el, n, `resource id="${String(el['@id'])}"`);
  const nodes = children(el, 'node').map((n) => attr(n, 'name', 'resource/node'));
  return {
    id: attr(el, 'id', 'resource'),
    agent: attr(el, 'resource_agent', 'resource'),
    role: attr(el, 'role', 'resource'),
    targetRole: optAttr(el, 'target_role'),
    active: b('active'),
    orphaned: b('orphaned'),
    blocked: b('blocked'),
    managed: b('managed'),
    failed: b('failed'),
    failureIgnored: b('failure_ignored'),
    nodes,
    nodesRunningOn:
      optAttr(el, 'nodes_running_on') === undefined
        ? nodes.length
        : intAttr(el, 'nodes_running_on', 'resource'),
    parents,
  };
}

// Clones, groups and bundles nest primitives (a clone of a group, a bundle's
// replicas); every primitive comes out once, with its chain of parents.
function flattenResources(container: XmlElement, parents: PcmkResource['parents']): PcmkResource[] {
  const out: PcmkResource[] = [];
  for (const r of children(container, 'resource')) out.push(parsePrimitive(r, parents));
  for (const kind of ['clone', 'group', 'bundle'] as const) {
    for (const c of children(container, kind)) {
      const chain = [...parents, { kind, id: attr(c, 'id', kind) }];
      out.push(...flattenResources(c, chain));
      for (const replica of children(c, 'replica')) out.push(...flattenResources(replica, chain));
    }
  }
  return out;
}

/** Parses `crm_mon --output-as=xml` (Pacemaker 2.1, API 2.x). */
export function parseCrmMonXml(xml: string): CrmMonStatus {
  const result = parsePacemakerResult(xml, 'crm_mon');
  const summaryEl = child(result, 'summary');
  if (!summaryEl) {
    const errors = resultErrors(result);
    if (errors.length > 0) throw new HavocError('pacemaker-status', `crm_mon: ${errors.join('; ')}`);
    throw new HavocError('pacemaker-parse', 'crm_mon: expected a <summary> element');
  }
  const dc = child(summaryEl, 'current_dc');
  if (!dc) throw new HavocError('pacemaker-parse', 'crm_mon: expected <summary><current_dc>');
  const dcPresent = boolAttr(dc, 'present', 'current_dc');
  const nodesConfigured = child(summaryEl, 'nodes_configured');
  const resourcesConfigured = child(summaryEl, 'resources_configured');
  const options = child(summaryEl, 'cluster_options') ?? {};
  const summary: CrmMonSummary = {
    dcPresent,
    dcName: optAttr(dc, 'name'),
    dcId: optAttr(dc, 'id'),
    withQuorum: optBoolAttr(dc, 'with_quorum', 'current_dc'),
    lastUpdate: optAttr(child(summaryEl, 'last_update') ?? {}, 'time'),
    nodesConfigured: nodesConfigured ? intAttr(nodesConfigured, 'number', 'nodes_configured') : undefined,
    resourcesConfigured: resourcesConfigured
      ? intAttr(resourcesConfigured, 'number', 'resources_configured')
      : undefined,
    stonithEnabled: optBoolAttr(options, 'stonith-enabled', 'cluster_options'),
    maintenanceMode: optBoolAttr(options, 'maintenance-mode', 'cluster_options'),
  };

  const nodes = children(child(result, 'nodes'), 'node').map(parseNode);
  const resourcesEl = child(result, 'resources');
  const resources = resourcesEl ? flattenResources(resourcesEl, []) : [];

  const failCounts: PcmkFailCount[] = [];
  for (const node of children(child(result, 'node_history'), 'node')) {
    const nodeName = attr(node, 'name', 'node_history/node');
    for (const h of children(node, 'resource_history')) {
      const failCount = optAttr(h, 'fail-count');
      if (failCount === undefined) continue;
      const threshold = optAttr(h, 'migration-threshold');
      failCounts.push({
        node: nodeName,
        resource: attr(h, 'id', 'resource_history'),
        failCount: intAttr(h, 'fail-count', 'resource_history'),
        migrationThreshold:
          threshold === undefined ? undefined : intAttr(h, 'migration-threshold', 'resource_history'),
        lastFailure: optAttr(h, 'last-failure'),
      });
    }
  }

  const failures = children(child(result, 'failures'), 'failure').map((f) => {
    const interval = optAttr(f, 'interval');
    return {
      opKey: attr(f, 'op_key', 'failure'),
      node: attr(f, 'node', 'failure'),
      exitStatus: attr(f, 'exitstatus', 'failure'),
      exitReason: optAttr(f, 'exitreason') || undefined,
      exitCode: intAttr(f, 'exitcode', 'failure'),
      call: intAttr(f, 'call', 'failure'),
      status: attr(f, 'status', 'failure'),
      lastRcChange: optAttr(f, 'last-rc-change'),
      task: optAttr(f, 'task'),
      interval: interval === undefined ? undefined : intAttr(f, 'interval', 'failure'),
    };
  });

  const fenceHistoryEl = child(result, 'fence_history');
  const fenceHistory = fenceHistoryEl
    ? children(fenceHistoryEl, 'fence_event').map(parseFenceEvent)
    : undefined;

  return { summary, nodes, resources, failCounts, failures, fenceHistory };
}
