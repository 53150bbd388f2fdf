import { execProgram } from '../../core/exec.js';
import type { HostConfig } from '../../inventory/schema.js';

/*
 * ipmitool, the reference IPMI client, driving a lab BMC from the tests: what
 * havoc's own client (protocols/ipmi) reads must agree with what ipmitool
 * sets and reads. Lab code itself never runs ipmitool.
 */

export interface BmcLogin {
  address: string;
  port: number;
  user: string;
  passwordFile: string;
}

/**
 * `ipmitool -I lanplus -C 3 ... chassis ARGS` (suite 3: the one ipmi_sim
 * offers). The password goes by file (-f), never on the command line. From
 * the station, or from inside a lab namespace (a cluster host's path to the BMC).
 */
export async function ipmitoolChassis(
  bmc: BmcLogin,
  args: readonly string[],
  signal: AbortSignal,
  netns?: string,
): Promise<{ ok: boolean; output: string }> {
  const { stdout, stderr, code } = await execProgram(
    [
      ...(netns ? ['ip', 'netns', 'exec', netns] : []),
      'ipmitool',
      '-I',
      'lanplus',
      '-C',
      '3',
      '-N',
      '1',
      '-R',
      '2',
      '-H',
      bmc.address,
      '-p',
      String(bmc.port),
      '-U',
      bmc.user,
      '-f',
      bmc.passwordFile,
      'chassis',
      ...args,
    ],
    { signal, allowFailure: true },
  );
  return { ok: code === 0, output: `${stdout}${stderr}`.trim() };
}

/** The lab BMC of an inventory host, as ipmitool logs in to it (the password file the lab wrote). */
export function bmcLoginOf(host: HostConfig): BmcLogin {
  const bmc = host.bmc;
  if (bmc?.type !== 'ipmi' || !('file' in bmc.password)) throw new Error(`${host.name} has no lab IPMI BMC`);
  return { address: bmc.address, port: bmc.port, user: bmc.user, passwordFile: bmc.password.file };
}

/** `chassis power on|off|status` on an inventory host's BMC; throws with ipmitool's output when it fails. */
export async function ipmitoolPower(host: HostConfig, action: 'on' | 'off' | 'status'): Promise<string> {
  const r = await ipmitoolChassis(bmcLoginOf(host), ['power', action], AbortSignal.timeout(15_000));
  if (!r.ok)
    throw new Error(`ipmitool chassis power ${action} on the BMC of ${host.name} failed: ${r.output}`);
  return r.output;
}
