import { connect } from 'node:net';
import { execProgram } from './exec.js';

/**
 * Connects over TCP and resolves with the first bytes the server sends (SSH
 * and NBD servers both speak first), or undefined if the connection fails or
 * stays silent until the signal aborts.
 */
export function tcpGreeting(address: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const sock = connect({ host: address, port });
    const finish = (value: string | undefined) => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(value);
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('data', (d) => finish(d.toString('latin1')));
    sock.once('error', () => finish(undefined));
    sock.once('close', () => finish(undefined));
  });
}

export type PowerState = 'on' | 'off';

export interface BmcTarget {
  address: string;
  port: number;
  user: string;
  passwordFile: string;
}

/**
 * Asks a lab BMC over the network with ipmitool (lanplus, cipher suite 3: the
 * one ipmi_sim offers). The password goes by file (-f), never on the command
 * line.
 */
export async function ipmitoolChassis(
  bmc: BmcTarget,
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

export async function bmcPowerStatus(bmc: BmcTarget, signal: AbortSignal): Promise<PowerState | undefined> {
  const { ok, output } = await ipmitoolChassis(bmc, ['power', 'status'], signal);
  if (!ok) return undefined;
  if (/Chassis Power is on/.test(output)) return 'on';
  if (/Chassis Power is off/.test(output)) return 'off';
  return undefined;
}
