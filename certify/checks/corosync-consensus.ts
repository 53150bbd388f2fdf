import type { EveryHostCheck } from '../check.js';

export const corosyncConsensus: EveryHostCheck = {
  kind: 'every-host',
  id: 'corosync.consensus',
  title: 'corosync consensus timeout is 1.2 x token',
  severity: 'warning',
  why: 'consensus shorter than the token makes membership rounds restart before a lost token is noticed; corosync and Trento both use 1.2 x token',
  remediation:
    'remove `consensus` from corosync.conf (corosync then uses 1.2 x token) or set it to 1.2 x token on every node',
  // Trento A1244C / FB0E0D expect 6000 ms, which is 1.2 x its expected token of 5000 ms.
  trento: ['A1244C', 'FB0E0D'],
  facts: ['cmap'],
  judge(f) {
    const token = Number(f.cmap.get('runtime.config.totem.token'));
    const consensus = f.cmap.get('runtime.config.totem.consensus');
    const expected = Math.round(token * 1.2);
    return {
      ok: Number.isFinite(token) && consensus === String(expected),
      detail: `consensus ${consensus ?? '(not set)'} ms in effect with token ${token} ms, expected ${expected}`,
    };
  },
};
