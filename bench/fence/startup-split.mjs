/**
 * Where a fence_havoc process spends its time, split at its first RMCP+
 * datagram: Node's start-up (until this preload runs), havoc's own start
 * (loading the bundle, reading the snapshot) and the IPMI session. Plain
 * JavaScript so that loading it adds no compiler to what it measures.
 * Run: printf 'action=status\nplug=host1\n' | HAVOC_INVENTORY=... HAVOC_FENCE_SNAPSHOT=... \
 *   node --import ./bench/fence/startup-split.mjs dist/fence_havoc/fence_havoc.mjs
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const start = { wall: performance.now(), cpu: cpuMs() };
const firstSend = { wall: Number.NaN, cpu: Number.NaN };
let sends = 0;
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  if (sends++ === 0) Object.assign(firstSend, { wall: performance.now(), cpu: cpuMs() });
  return send.apply(this, args);
};
process.on('exit', () => {
  const end = { wall: performance.now(), cpu: cpuMs() };
  const part = (a, b) => `${(b.cpu - a.cpu).toFixed(0)} ms CPU, ${(b.wall - a.wall).toFixed(0)} ms wall`;
  const startUp = `node start-up: ${start.cpu.toFixed(0)} ms CPU, ${start.wall.toFixed(0)} ms wall\n`;
  process.stderr.write(
    sends === 0
      ? `${startUp}no datagram sent: havoc start to exit ${part(start, end)}\n`
      : `${startUp}havoc start to first datagram: ${part(start, firstSend)}\n` +
          `session (${sends} datagrams) to exit: ${part(firstSend, end)}\n`,
  );
});
