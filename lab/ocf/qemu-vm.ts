/**
 * Entry point of the OCF resource agent ocf:havoc:qemu-vm (compiled to
 * dist/lab/ocf/qemu-vm.js; the launcher from ocfLauncher.ts execs it).
 * Pacemaker passes the action as the first argument and the parameters as
 * OCF_RESKEY_* variables; the exit code is the result.
 */
import { runAgent } from './qemuVmAgent.js';

const code = await runAgent(process.argv[2], process.env, {
  out: (text) => process.stdout.write(text),
  log: (text) => process.stderr.write(`qemu-vm: ${text}\n`),
});
process.exit(code);
