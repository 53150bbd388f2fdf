import type { IpmiBmcConfig } from '../../inventory/schema.js';
import { type CipherSuiteMemory, IpmiClient } from '../../protocols/ipmi/index.js';
import type { FenceDevice, PowerState } from '../device.js';

/**
 * A host's IPMI BMC as a fence device. Each call is one short RMCP+ session
 * (the client closes it on every path); the suite that worked is remembered
 * in `memory`, so the status polls after an off skip the failed suite-17 try.
 */
export function createIpmiDevice(
  config: IpmiBmcConfig,
  password: string,
  opts: { hostName: string; memory: CipherSuiteMemory; timeoutMs?: number },
): FenceDevice {
  const client = new IpmiClient(
    {
      host: config.address,
      port: config.port,
      user: config.user,
      password,
      privilege: config.privilege,
      cipherSuites: config.cipherSuites,
      allowCipherSuite0: config.allowCipherSuite0,
      allowIpmi15: config.allowIpmi15,
      label: `BMC of ${opts.hostName}`,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    },
    opts.memory,
  );
  return {
    kind: 'power',
    description: `IPMI BMC of ${opts.hostName} (${config.address}:${config.port}, user ${config.user})`,
    async status(signal): Promise<PowerState> {
      return (await client.chassisStatus(signal)).powerOn ? 'on' : 'off';
    },
    off: (signal) => client.chassisControl('powerDown', signal),
    on: (signal) => client.chassisControl('powerUp', signal),
    cycle: (signal) => client.chassisControl('powerCycle', signal),
    async monitor(signal) {
      await client.chassisStatus(signal);
    },
    async list(signal) {
      const status = await client.chassisStatus(signal);
      return [
        {
          id: opts.hostName,
          description: `chassis of ${opts.hostName}`,
          state: status.powerOn ? 'on' : 'off',
        },
      ];
    },
  };
}
