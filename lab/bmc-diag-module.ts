import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';

/*
 * ipmi_sim answers Chassis Control "pulse diagnostic interrupt" (0x04) with
 * completion code 0xCC and never runs its chassis control script for it
 * (OpenIPMI 2.0.33 lanserv/bmc_chassis.c, handle_chassis_control; seen here
 * with `ipmitool chassis power diag`). A real BMC delivers an NMI, which is
 * how operators crash a host whose kernel panics on NMI. This module, loaded
 * into ipmi_sim with lan.conf's `loadlib`, takes over that one sub-function:
 * it runs `SCRIPT 0x20 set diag 1` (the lab's chassis script crashes the
 * host, power still on) and passes every other Chassis Control request to
 * ipmi_sim's own handler, which it keeps. It is compiled against Debian's
 * libopenipmi-dev headers when the lab's BMCs start.
 */

const SOURCE = `/* havoc lab: Chassis Control diagnostic interrupt for ipmi_sim; generated, do not edit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <OpenIPMI/ipmi_msgbits.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/serv.h>
#include <OpenIPMI/mcserv.h>

/* ipmi_sim's own chassis command table (exported by the executable, not declared in a header). */
extern cmd_handler_f chassis_netfn_handlers[256];

static cmd_handler_f original;
static char *script;

static void
chassis_control(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len, void *cb_data)
{
    if (msg->len < 1 || (msg->data[0] & 0xf) != 4) {
        original(mc, msg, rdata, rdata_len, cb_data);
        return;
    }
    *rdata_len = 1;
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { script, "0x20", "set", "diag", "1", NULL };
        execv(script, argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rdata[0] = IPMI_UNKNOWN_ERR_CC;
    else
        rdata[0] = 0;
}

int
ipmi_sim_module_init(sys_data_t *sys, const char *options)
{
    script = strdup(options);
    original = chassis_netfn_handlers[IPMI_CHASSIS_CONTROL_CMD];
    if (!script || !original)
        return 1;
    return ipmi_emu_register_cmd_handler(IPMI_CHASSIS_NETFN, IPMI_CHASSIS_CONTROL_CMD, chassis_control, NULL);
}

int
ipmi_sim_module_print_version(sys_data_t *sys, const char *options)
{
    return 0;
}
`;

/** Compiles the module into dir/diag-interrupt.so and returns its path. */
export async function buildDiagInterruptModule(dir: string, signal: AbortSignal): Promise<string> {
  await mkdir(dir, { recursive: true });
  const source = join(dir, 'diag-interrupt.c');
  const library = join(dir, 'diag-interrupt.so');
  await writeFile(source, SOURCE);
  await new Promise<void>((resolve, reject) => {
    execFile(
      'gcc',
      ['-shared', '-fPIC', '-O1', '-Wall', '-o', library, source],
      { signal, timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(
          new HavocError(
            'environment',
            `cannot build the lab BMC's diagnostic interrupt module: ${stderr.trim() || err.message}`,
            { hint: 'apt-get install gcc libopenipmi-dev' },
          ),
        );
      },
    );
  });
  return library;
}
