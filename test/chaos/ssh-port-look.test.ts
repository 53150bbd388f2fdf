import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { sshPortLook } from '../../chaos/ssh-answers.js';
import type { HostConfig } from '../../inventory/schema.js';

/*
 * sshPortLook against TCP listeners on loopback that behave the three ways a
 * host's SSH port can be seen from outside: a listener that never speaks
 * (what a frozen sshd leaves: the kernel completes the handshake), one that
 * sends an SSH banner, and a closed port. A real frozen sshd is seen in
 * test/chaos/host-hang-cgroups.integration.test.ts.
 */

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers.length = 0;
});

async function listen(onSocket: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.push(s);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const hostAt = (port: number) =>
  ({ name: 'h', address: '127.0.0.1', ssh: { port } }) as unknown as HostConfig;

it('reads a listener that never speaks as silent, a banner as banner, a closed port as unreachable', async () => {
  const silent = await listen(() => {});
  expect(await sshPortLook(hostAt(silent), AbortSignal.timeout(10_000), 300)).toEqual({
    state: 'silent',
    detail: `TCP 127.0.0.1:${silent} connected, no SSH banner within 300 ms`,
  });
  const speaking = await listen((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
  expect(await sshPortLook(hostAt(speaking), AbortSignal.timeout(10_000), 5_000)).toEqual({
    state: 'banner',
    detail: `TCP 127.0.0.1:${speaking}: SSH-2.0-OpenSSH_9.2p1 Debian-2`,
  });
  const closing = await listen((s) => s.end());
  expect((await sshPortLook(hostAt(closing), AbortSignal.timeout(10_000), 5_000)).state).toBe('closed');
  await new Promise((r) => servers.pop()!.close(r));
  const look = await sshPortLook(hostAt(closing), AbortSignal.timeout(10_000), 5_000);
  expect(look.state).toBe('unreachable');
  expect(look.detail).toMatch(/ECONNREFUSED/);
});

it('stops at once when its signal aborts', async () => {
  const silent = await listen(() => {});
  const ac = new AbortController();
  const look = sshPortLook(hostAt(silent), ac.signal, 60_000);
  ac.abort(new Error('stop'));
  await expect(look).rejects.toThrow('stop');
});
