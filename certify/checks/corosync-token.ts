import type { EveryHostCheck } from '../check.js';

/** Trento's expectation for on-premises and KVM clusters (156F64 / 53D035: 5000 ms unless on a public cloud). */
export const EXPECTED_TOKEN_MS = 5000;

export const corosyncToken: EveryHostCheck = {
  kind: 'every-host',
  id: 'corosync.token',
  title: 'corosync token timeout is 5000 ms',
  severity: 'warning',
  why: 'the token timeout is how long a silent node has before it is declared lost: too short and a busy network fences healthy nodes, too long and a dead node holds its VMs hostage',
  remediation:
    'set `token: 5000` in the totem section of /etc/corosync/corosync.conf on every node, then `corosync-cfgtool -R`',
  trento: ['156F64', '53D035'],
  facts: ['cmap'],
  judge(f) {
    const token = f.cmap.get('runtime.config.totem.token');
    return {
      ok: token === String(EXPECTED_TOKEN_MS),
      detail: `token ${token ?? '(not set)'} ms in effect, expected ${EXPECTED_TOKEN_MS}`,
    };
  },
};
