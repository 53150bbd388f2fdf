import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * One ipmi_sim (OpenIPMI's BMC simulator) per lab host: a real IPMI 2.0 LAN
 * interface with an admin and an operator user, whose chassis control runs
 * the host's chassis script, so power commands act on the host for real.
 */

export interface BmcConfigInput {
  hostName: string;
  address: string;
  port: number;
  /** Directory for this BMC's config and ipmi_sim state. */
  dir: string;
  chassisScript: string;
  adminPassword: string;
  operatorPassword: string;
}

export const BMC_ADMIN_USER = 'admin';
export const BMC_OPERATOR_USER = 'operator';

/** lan.conf contains the passwords (ipmi_sim reads them only from there), so it is 0600. */
export function writeBmcConfig(b: BmcConfigInput): { argv: string[]; logFile: string } {
  mkdirSync(join(b.dir, 'state'), { recursive: true, mode: 0o700 });
  const lanConf = join(b.dir, 'lan.conf');
  const emu = join(b.dir, 'bmc.emu');
  const quote = (s: string) => `"${s}"`;
  writeFileSync(
    lanConf,
    [
      `# havoc lab: BMC of ${b.hostName}; generated.`,
      `name ${quote(`bmc-${b.hostName}`)}`,
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr ${b.address} ${b.port}`,
      '    priv_limit admin',
      '    allowed_auths_callback none md2 md5 straight',
      '    allowed_auths_user none md2 md5 straight',
      '    allowed_auths_operator none md2 md5 straight',
      '    allowed_auths_admin none md2 md5 straight',
      `    guid ${quote(`havoc-${b.hostName}`.padEnd(16, '-').slice(0, 16))}`,
      '  endlan',
      `  chassis_control ${quote(`${b.chassisScript} 0x20`)}`,
      //   id valid  name  password  privilege  max-sessions  auths
      `  user 2 true ${quote(BMC_ADMIN_USER)} ${quote(b.adminPassword)} admin 10 none md2 md5 straight`,
      `  user 3 true ${quote(BMC_OPERATOR_USER)} ${quote(b.operatorPassword)} operator 10 none md2 md5 straight`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(
    emu,
    [
      'mc_setbmc 0x20',
      'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
      'sel_enable 0x20 1000 0x0a',
      'mc_enable 0x20',
      '',
    ].join('\n'),
  );
  return {
    argv: ['ipmi_sim', '-c', lanConf, '-f', emu, '-s', join(b.dir, 'state'), '-n', '-p'],
    logFile: join(b.dir, 'ipmi_sim.log'),
  };
}
