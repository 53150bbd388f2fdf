import { execProgram } from '../../lab/exec.js';

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
 * offers). The password goes by file (-f), never on the command line.
 */
export async function ipmitoolChassis(
  bmc: BmcLogin,
  args: readonly string[],
  signal: AbortSignal,
): Promise<{ ok: boolean; output: string }> {
  const { stdout, stderr, code } = await execProgram(
    [
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
