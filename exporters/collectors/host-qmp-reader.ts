/*
 * The host script's QMP reader: one perl process asks every QEMU of the host
 * for query-status at once, over every "-qmp unix:<path>" socket of its
 * command line, under one deadline for all of them. A QEMU's QMP monitor
 * serves one client at a time, so a socket another client holds (an HA
 * agent, an event watcher) stays silent; the first socket of a QEMU that
 * answers wins and the others are closed at once.
 *
 * perl-base is Essential in Debian and present on every RHEL host (python3
 * is not guaranteed, socat/nc -U usually absent); only perl-base modules are
 * used (no Time::HiRes: the deadline is an alarm). The program contains no
 * single quote, as the host script passes it to `perl -e '...'`.
 *
 * Arguments: MARKER SECONDS PID... For each PID it prints a section
 * "MARKER qmp PID" and its status "MARKER rc N": rc 0 with the QMP lines of
 * the socket that answered; rc 4 when the QEMU exited before it was asked
 * (a VM stopped meanwhile: no VM, and no failure); otherwise one line per
 * socket saying why it did not answer, with rc 3 when a socket was still
 * silent at the deadline, else rc 2.
 */

/** One deadline for the QMP answers of every QEMU on the host. */
export const QMP_DEADLINE_SECONDS = 3;

export const QMP_READER_PERL = String.raw`
use strict; use Socket; use IO::Select; use Fcntl; use Errno;
my ($marker, $limit, @pids) = @ARGV;
my $expired = 0;
$SIG{ALRM} = sub { $expired = 1 };
$SIG{PIPE} = "IGNORE";
alarm $limit;
my @stages = ("no greeting", "no reply to qmp_capabilities", "no reply to query-status");
my $sel = IO::Select->new;
my (%vm, %conn);
sub drop { my ($c) = @_; $sel->remove($c->{s}); close $c->{s}; delete $conn{$c->{s}};
  $vm{$c->{pid}}{conns} = [grep { $_ != $c } @{$vm{$c->{pid}}{conns}}]; }
for my $pid (@pids) {
  my $v = $vm{$pid} = { conns => [], notes => [], out => undef };
  my $args = "";
  if (open(my $f, "<", "/proc/$pid/cmdline")) { local $/; $args = <$f> // ""; }
  elsif ($!{ENOENT}) { $v->{gone} = 1; next; }
  else { push @{$v->{notes}}, "/proc/$pid/cmdline: $!"; next; }
  my @a = split /\0/, $args;
  for my $i (0 .. $#a - 1) {
    next unless $a[$i] eq "-qmp";
    my $spec = $a[$i + 1];
    if ($spec !~ /^unix:([^,]+)/) { push @{$v->{notes}}, "-qmp $spec: not a unix socket"; next; }
    my $path = $1;
    my $s;
    unless (socket($s, PF_UNIX, SOCK_STREAM, 0) && fcntl($s, F_SETFL, O_NONBLOCK)
        && connect($s, pack_sockaddr_un($path))) {
      push @{$v->{notes}}, "$path: connect: $!"; next;
    }
    my $c = { pid => $pid, path => $path, s => $s, buf => "", out => "", stage => 0 };
    push @{$v->{conns}}, $c; $conn{$s} = $c; $sel->add($s);
  }
  push @{$v->{notes}}, "no -qmp socket on its command line" unless @{$v->{conns}} || @{$v->{notes}};
}
READ: while (!$expired && $sel->count) {
  for my $s ($sel->can_read(0.25)) {
    my $c = $conn{$s} or next;
    my $n = sysread($s, my $chunk, 65536);
    if (!defined $n) { next if $!{EAGAIN} || $!{EINTR}; push @{$vm{$c->{pid}}{notes}}, "$c->{path}: read: $!"; drop($c); next; }
    if ($n == 0) { push @{$vm{$c->{pid}}{notes}}, "$c->{path}: closed by QEMU ($stages[$c->{stage}])"; drop($c); next; }
    $c->{buf} .= $chunk;
    while ($c->{buf} =~ s/^([^\n]*\n)//) {
      my $l = $1; $c->{out} .= $l;
      next unless $c->{stage} == 0 ? $l =~ /"QMP"/ : $l =~ /"(return|error)"/;
      $c->{stage}++;
      if ($c->{stage} == 3) { $vm{$c->{pid}}{out} = $c->{out}; my @all = @{$vm{$c->{pid}}{conns}}; drop($_) for @all; last; }
      syswrite($s, $c->{stage} == 1 ? qq({"execute":"qmp_capabilities"}\n) : qq({"execute":"query-status"}\n));
    }
  }
}
alarm 0;
for my $pid (@pids) {
  my $v = $vm{$pid};
  print "\n$marker qmp $pid\n";
  if (defined $v->{out}) { print $v->{out}, "\n$marker rc 0\n"; next; }
  if ($v->{gone}) { print "exited before it was asked\n\n$marker rc 4\n"; next; }
  my $late = @{$v->{conns}};
  push @{$v->{notes}}, "$_->{path}: $stages[$_->{stage}] within $limit s" for @{$v->{conns}};
  print "$_\n" for @{$v->{notes}};
  print "\n$marker rc ", ($late ? 3 : 2), "\n";
}
`;
