/**
 * The byte pipe of the agent's pull-style migration (see qemuVmAgent.ts), run
 * by QEMU itself through an `exec:` migration URI:
 *
 *   serve ADDR PORT WAIT_MS LOG   on the source: accept ONE connection on
 *                                 ADDR:PORT within WAIT_MS, copy stdin (QEMU's
 *                                 outgoing stream) to it. Writes LOG.listening
 *                                 once bound, so migrate_to can report success.
 *   fetch ADDR PORT WAIT_MS LOG   on the target: connect to ADDR:PORT, copy the
 *                                 stream to stdout (QEMU's incoming side).
 *
 * Any failure exits non-zero, which QEMU sees as a failed migration: the
 * source then keeps running the guest.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

function log(file: string, message: string): void {
  try {
    appendFileSync(file, `${new Date().toISOString()} relay[${process.pid}] ${message}\n`);
  } catch {
    // No log is no reason to fail a migration.
  }
}

function serve(addr: string, port: number, waitMs: number, logFile: string): void {
  const server = createServer({ pauseOnConnect: true });
  const giveUp = setTimeout(() => {
    log(logFile, `no target connected to ${addr}:${port} within ${waitMs} ms: migration abandoned`);
    process.exit(1);
  }, waitMs);
  server.on('error', (err) => {
    log(logFile, `cannot listen on ${addr}:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen({ host: addr, port, exclusive: true }, () => {
    writeFileSync(`${logFile}.listening`, `${process.pid}\n`);
    log(logFile, `listening on ${addr}:${port}`);
  });
  server.once('connection', (socket: Socket) => {
    clearTimeout(giveUp);
    server.close();
    log(logFile, `target ${socket.remoteAddress}:${socket.remotePort} connected; streaming`);
    socket.on('error', (err) => {
      log(logFile, `stream to target failed: ${err.message}`);
      process.exit(1);
    });
    socket.on('close', () => {
      log(logFile, 'stream closed');
      process.exit(0);
    });
    socket.resume();
    process.stdin.pipe(socket);
  });
}

function fetch(addr: string, port: number, waitMs: number, logFile: string): void {
  const socket = connect({ host: addr, port, timeout: waitMs });
  socket.on('timeout', () => {
    log(logFile, `source ${addr}:${port} idle for ${waitMs} ms: migration abandoned`);
    process.exit(1);
  });
  socket.on('connect', () => log(logFile, `connected to source ${addr}:${port}`));
  socket.on('error', (err) => {
    log(logFile, `stream from source ${addr}:${port} failed: ${err.message}`);
    process.exit(1);
  });
  socket.on('end', () => log(logFile, 'stream ended'));
  socket.pipe(process.stdout);
}

const [mode, addr, port, waitMs, logFile] = process.argv.slice(2);
if ((mode !== 'serve' && mode !== 'fetch') || !addr || !port || !waitMs || !logFile) {
  process.stderr.write('usage: migrationRelay serve|fetch ADDR PORT WAIT_MS LOGFILE\n');
  process.exit(2);
}
(mode === 'serve' ? serve : fetch)(addr, Number(port), Number(waitMs), logFile);
