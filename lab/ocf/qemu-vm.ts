/**
 * Entry point of the OCF resource agent ocf:havoc:qemu-vm (compiled to
 * dist/lab/ocf/qemu-vm.js; the launcher from ocfLauncher.ts execs it).
 * Pacemaker passes the action as the first argument and the parameters as
 * OCF_RESKEY_* variables; the exit code is the result.
 */
import { runAgent } from './qemuVmAgent.js';

// pacemaker-execd may hand agents a PATH without the sbin directories, where Debian keeps ip(8).
const standard = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const path = (process.env['PATH'] ?? '').split(':').filter((d) => d !== '');
process.env['PATH'] = [...path, ...standard.filter((d) => !path.includes(d))].join(':');

const code = await runAgent(process.argv[2], process.env, {
  out: (text) => process.stdout.write(text),
  log: (text) => process.stderr.write(`qemu-vm: ${text}\n`),
});
process.exit(code);
