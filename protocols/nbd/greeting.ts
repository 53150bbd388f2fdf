import { connect } from 'node:net';
import { HavocError } from '../../core/errors.js';

/*
 * The first bytes an NBD server sends (NBD protocol, "Handshake"): the
 * 8-byte "NBDMAGIC", then "IHAVEOPT" (newstyle) or the oldstyle magic
 * 0x00420281861253, then flags. Reading them is enough to know the export is
 * being served: no option is sent, and closing then is allowed.
 */

const NBDMAGIC = Buffer.from('NBDMAGIC', 'ascii');
const IHAVEOPT = Buffer.from('IHAVEOPT', 'ascii');
const OLDSTYLE = Buffer.from('0000420281861253', 'hex');
export const NBD_GREETING_BYTES = 16;

export type NbdGreeting = { style: 'newstyle' | 'oldstyle' };

/** The greeting in the server's first 16 bytes; an error saying what came instead. */
export function parseNbdGreeting(bytes: Buffer): NbdGreeting {
  if (bytes.length < NBD_GREETING_BYTES || !bytes.subarray(0, 8).equals(NBDMAGIC)) {
    throw new HavocError(
      'observation',
      `not an NBD greeting (${bytes.length} bytes: ${bytes.subarray(0, 16).toString('hex') || 'none'})`,
    );
  }
  const second = bytes.subarray(8, 16);
  if (second.equals(IHAVEOPT)) return { style: 'newstyle' };
  if (second.equals(OLDSTYLE)) return { style: 'oldstyle' };
  throw new HavocError(
    'observation',
    `NBDMAGIC followed by ${second.toString('hex')}, neither IHAVEOPT nor oldstyle`,
  );
}

/** The bytes of `od -An -tx1 -v` output (what a host prints of the greeting over SSH). */
export function bytesOfOd(text: string): Buffer {
  const hex = text.split(/\s+/).filter((w) => /^[0-9a-f]{2}$/.test(w));
  return Buffer.from(hex.join(''), 'hex');
}

/**
 * A shell command that prints `connected` once a TCP connection to
 * address:port is up, then, as `od` hex, the first 16 bytes the server sends
 * within `seconds` (bash's /dev/tcp: nothing to install on the host).
 */
export function greetingCommand(address: string, port: number, seconds: number): string {
  if (!/^[0-9a-fA-F.:]+$/.test(address)) throw new Error(`not an address: ${address}`);
  return `timeout ${seconds} bash -c 'exec 3<>/dev/tcp/${address}/${port} || exit 7; echo connected; head -c ${NBD_GREETING_BYTES} <&3 | od -An -tx1 -v' 2>&1`;
}

/** What greetingCommand printed: whether it connected, and the greeting when the bytes were one. */
export function parseGreetingOutput(text: string): {
  connected: boolean;
  greeting?: NbdGreeting;
  detail: string;
} {
  const connected = /^connected$/m.test(text);
  if (!connected) return { connected, detail: text.trim().replace(/\s+/g, ' ') || 'no connection' };
  const bytes = bytesOfOd(text.replace(/^connected$/m, ''));
  try {
    return { connected, greeting: parseNbdGreeting(bytes), detail: 'NBD greeting' };
  } catch (err) {
    return { connected, detail: (err as Error).message };
  }
}

/** Connects from this machine and reads the greeting; rejects on no answer, a reset, or anything else. */
export function readNbdGreeting(host: string, port: number, signal: AbortSignal): Promise<NbdGreeting> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= NBD_GREETING_BYTES) {
        socket.destroy();
        try {
          resolve(parseNbdGreeting(got));
        } catch (err) {
          reject(err);
        }
      }
    });
    socket.on('error', (err) =>
      reject(new HavocError('observation', `NBD server ${host}:${port}: ${err.message}`)),
    );
    socket.on('close', () =>
      reject(new HavocError('observation', `NBD server ${host}:${port} closed after ${got.length} bytes`)),
    );
  });
}
