import { expect, it } from 'vitest';
import { parsePingSummary } from './ping-summary.js';

// Captured here from iputils 20221126 (`ping -n -q -c 200 -i 0.01 -W 1` between two scratch namespaces over a veth,
// 30% nftables packet loss each way on the target, protocols/nftables/packet-loss.ts).
const lossy = `PING 198.19.254.2 (198.19.254.2) 56(84) bytes of data.

--- 198.19.254.2 ping statistics ---
200 packets transmitted, 96 received, 52% packet loss, time 3207ms
rtt min/avg/max/mdev = 0.032/0.048/0.065/0.006 ms
`;

it('reads the counts and round-trip times of a captured ping -q summary', () => {
  expect(parsePingSummary(lossy)).toEqual({
    transmitted: 200,
    received: 96,
    rtt: { min: 0.032, avg: 0.048, max: 0.065 },
  });
});

it('reads a summary with no reply at all (no rtt line) and one with errors', () => {
  expect(
    parsePingSummary('\n--- x ---\n5 packets transmitted, 0 received, 100% packet loss, time 4ms\n'),
  ).toEqual({ transmitted: 5, received: 0 });
  expect(
    parsePingSummary('3 packets transmitted, 1 received, +2 errors, 66.6667% packet loss, time 2003ms\n'),
  ).toMatchObject({ transmitted: 3, received: 1 });
});

it('says what ping printed when there is no summary', () => {
  expect(() => parsePingSummary('ping: connect: Network is unreachable\n')).toThrow(
    /ping printed no summary: ping: connect: Network is unreachable/,
  );
});
