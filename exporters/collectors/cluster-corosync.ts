import type { Registry } from 'prom-client';
import { deadlineSignal } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { crmMonHosts } from '../../inventory/ha-names.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import {
  type CfgtoolStatus,
  parseCfgtoolStatus,
  parseNodelist,
  parseQuorumtoolStatus,
  type QuorumStatus,
} from '../../protocols/corosync/index.js';
import type { Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { MARKER } from './host-script.js';
import { splitSections } from './host-sections.js';
import { sshPoolOf } from './host-ssh.js';

/*
 * corosync as every node sees it: quorum, and each knet link towards each
 * peer. Every node is asked (over the exporter's SSH, in parallel): a link is
 * a pair of ends, and "link 0 of host1 is down while link 1 still carries
 * the heartbeat" is only visible from the nodes themselves, before the second
 * link goes and the cluster splits.
 *
 * A node that does not answer is published as havoc_corosync_node_answered 0
 * (a fenced or powered-off node is the normal case here, not a scrape
 * failure); the collector fails only when no node answers at all.
 */

export const COROSYNC_METRICS = {
  answered: gaugeFamily(
    'havoc_corosync_node_answered',
    '1 when corosync-cfgtool answered on the node over SSH, 0 when the node or its corosync did not (its link and quorum series are then absent).',
    ['node'],
  ),
  quorate: gaugeFamily(
    'havoc_corosync_quorate',
    "corosync-quorumtool: 1 when the node's partition is quorate, 0 when it is not.",
    ['node'],
  ),
  members: gaugeFamily(
    'havoc_corosync_members',
    "Nodes in the node's corosync membership (corosync-quorumtool Nodes).",
    ['node'],
  ),
  expectedVotes: gaugeFamily(
    'havoc_corosync_expected_votes',
    'votequorum Expected votes, as the node sees it.',
    ['node'],
  ),
  totalVotes: gaugeFamily('havoc_corosync_total_votes', "votequorum Total votes of the node's partition.", [
    'node',
  ]),
  quorumVotes: gaugeFamily('havoc_corosync_quorum_votes', 'votequorum Quorum: the votes a partition needs.', [
    'node',
  ]),
  linkConnected: gaugeFamily(
    'havoc_corosync_link_connected',
    'corosync-cfgtool -s: 1 when the knet link (link id) from the node to the peer is connected, 0 when it is not.',
    ['node', 'link', 'peer'],
  ),
} as const;

const REACH_MS = 4000;

/** One SSH channel per node: the three tools under the host script's markers. */
export const COROSYNC_SCRIPT = `m() { printf '\\n${MARKER} %s\\n' "$*"; }
rc() { printf '\\n${MARKER} rc %s\\n' "$1"; }
m cfgtool; corosync-cfgtool -s 2>&1; rc $?
m quorumtool; corosync-quorumtool -s 2>&1; rc $?
m nodelist; corosync-cmapctl -b nodelist.node 2>&1; rc $?
m end
`;

export interface CorosyncNodeView {
  node: string;
  cfg: CfgtoolStatus;
  quorum: QuorumStatus | undefined;
  names: Map<number, string>;
}

/** Parses one node's script output; quorum and names are optional, the link status is not. */
export function parseCorosyncView(node: string, output: string): CorosyncNodeView {
  const sections = splitSections(output, node);
  const body = (name: string) => sections.find((s) => s.name === name);
  const cfg = body('cfgtool');
  if (cfg?.rc !== 0) {
    throw new HavocError(
      'corosync-status',
      `corosync-cfgtool -s on ${node} exited with ${cfg?.rc}: ${cfg?.body.trim().split('\n').at(-1) ?? ''}`,
      { target: node, hint: 'is corosync running on the node?' },
    );
  }
  const q = body('quorumtool');
  let quorum: QuorumStatus | undefined;
  try {
    quorum = q ? parseQuorumtoolStatus(q.body, `corosync-quorumtool -s on ${node}`) : undefined;
  } catch {
    quorum = undefined;
  }
  const nl = body('nodelist');
  let names = new Map<number, string>();
  if (nl && nl.rc === 0) names = parseNodelist(nl.body, `corosync-cmapctl on ${node}`);
  for (const m of quorum?.members ?? []) if (!names.has(m.nodeId)) names.set(m.nodeId, m.name);
  return { node, cfg: parseCfgtoolStatus(cfg.body, `corosync-cfgtool -s on ${node}`), quorum, names };
}

export function renderCorosync(
  asked: readonly string[],
  views: ReadonlyMap<string, CorosyncNodeView>,
  registry: Registry,
): void {
  const g = Object.fromEntries(
    Object.entries(COROSYNC_METRICS).map(([k, f]) => [k, registerGauge(registry, f)]),
  ) as Record<keyof typeof COROSYNC_METRICS, ReturnType<typeof registerGauge>>;
  for (const node of asked) {
    const v = views.get(node);
    g.answered.set({ node }, v ? 1 : 0);
    if (!v) continue;
    if (v.quorum) {
      g.quorate.set({ node }, v.quorum.quorate ? 1 : 0);
      g.members.set({ node }, v.quorum.nodes);
      g.expectedVotes.set({ node }, v.quorum.expectedVotes);
      g.totalVotes.set({ node }, v.quorum.totalVotes);
      g.quorumVotes.set({ node }, v.quorum.quorum);
    }
    for (const link of v.cfg.links) {
      for (const p of link.peers) {
        if (p.nodeId === v.cfg.localNodeId || p.state === 'localhost') continue;
        const peer = v.names.get(p.nodeId) ?? `nodeid${p.nodeId}`;
        g.linkConnected.set({ node, link: String(link.linkId), peer }, p.state === 'connected' ? 1 : 0);
      }
    }
  }
}

export const corosyncCollector: Collector = {
  name: 'corosync',
  module: 'cluster',
  metrics: Object.values(COROSYNC_METRICS),
  appliesTo(target, ctx) {
    const inv = ctx.loaded.inventory;
    return target === inv.cluster.name && inv.haManager?.type === 'pacemaker';
  },
  async collect(_target, registry, ctx) {
    const inv = ctx.loaded.inventory;
    const asked = crmMonHosts(inv);
    const pool = sshPoolOf(ctx);
    const views = new Map<string, CorosyncNodeView>();
    const failures: string[] = [];
    await Promise.all(
      asked.map(async (node) => {
        const host = inv.hosts.find((h) => h.name === node);
        if (!host) {
          failures.push(`${node}: not among the hosts`);
          return;
        }
        try {
          const r = await pool.exec(sshLoginOf(host), 'sh -s', {
            stdin: COROSYNC_SCRIPT,
            signal: deadlineSignal(REACH_MS, `corosync status of ${node}`, ctx.signal),
            what: 'the corosync status script',
            allowFailure: true,
          });
          views.set(node, parseCorosyncView(node, r.stdout));
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          failures.push(`${node}: ${errorMessage(err)}`);
        }
      }),
    );
    renderCorosync(asked, views, registry);
    if (failures.length > 0) ctx.log.debug({ failures }, 'corosync: nodes that did not answer');
    if (views.size === 0) {
      throw new HavocError('unreachable', `no node answered corosync-cfgtool: ${failures.join('; ')}`, {
        hint: 'is corosync running, and can havoc log in to the haManager.via hosts?',
      });
    }
  },
};
