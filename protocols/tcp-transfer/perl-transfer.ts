import { HavocError } from '../../core/errors.js';
import { shQuote } from '../../core/shell-quote.js';

/*
 * A TCP transfer measured at its receiver, with nothing but perl (core
 * modules only), which every Linux host havoc reaches has: no nc, socat or
 * iperf needed on the hosts. The receiver counts from its first byte to the
 * sender's close (or to its deadline: then the bytes so far), so the
 * sender's socket buffers never make a transfer look faster than it was.
 */

const RECEIVER = String.raw`use strict; use IO::Socket::INET; use Time::HiRes qw(time);
my ($addr, $port, $secs) = @ARGV; $| = 1;
my $l = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Listen => 1, ReuseAddr => 1, Proto => 'tcp')
  or die "listen on $addr:$port: $!\n";
my ($n, $t0, $buf) = (0, undef, '');
local $SIG{ALRM} = sub { printf "received %d %.6f %s\n", $n, defined $t0 ? time - $t0 : 0, 'deadline'; exit 0 };
alarm $secs;
my $c = $l->accept or die "accept: $!\n";
while (1) { my $r = sysread($c, $buf, 65536); die "read: $!\n" unless defined $r; last if $r == 0; $t0 //= time; $n += $r }
printf "received %d %.6f %s\n", $n, defined $t0 ? time - $t0 : 0, 'eof';`;

const SENDER = String.raw`use strict; use IO::Socket::INET;
my ($addr, $port, $bytes, $secs) = @ARGV; alarm $secs; my $s;
for (1 .. 100) { $s = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port, Proto => 'tcp') and last; select undef, undef, undef, 0.05 }
$s or die "connect to $addr:$port: $!\n";
my $chunk = "\0" x 65536;
while ($bytes > 0) { my $w = syswrite($s, $chunk, $bytes < 65536 ? $bytes : 65536); die "write: $!\n" unless defined $w; $bytes -= $w }
close $s or die "close: $!\n"; print "sent\n";`;

/** The shell command that receives one transfer on `address:port`, giving up after `seconds`. */
export function receiverCommand(address: string, port: number, seconds: number): string {
  return `perl -e ${shQuote(RECEIVER)} ${shQuote(address)} ${port} ${seconds}`;
}

/** The shell command that sends `bytes` to `address:port` (retrying the connect for 5 s while the receiver starts). */
export function senderCommand(address: string, port: number, bytes: number, seconds: number): string {
  return `perl -e ${shQuote(SENDER)} ${shQuote(address)} ${port} ${bytes} ${seconds}`;
}

export interface TransferResult {
  bytes: number;
  seconds: number;
  /** The receiver's deadline came before the sender closed. */
  cutShort: boolean;
}

/** The receiver's one line: `received BYTES SECONDS eof|deadline`. */
export function parseReceiverLine(text: string): TransferResult {
  const m = /^received (\d+) ([\d.]+) (eof|deadline)$/m.exec(text);
  if (!m)
    throw new HavocError(
      'observation',
      `the transfer's receiver printed no result: ${text.trim() || '(nothing)'}`,
    );
  return { bytes: Number(m[1]), seconds: Number(m[2]), cutShort: m[3] === 'deadline' };
}
