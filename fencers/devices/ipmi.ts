import type { IpmiBmcConfig } from '../../inventory/schema.js';
import { type CipherSuiteMemory, IpmiClient } from '../../protocols/ipmi/index.js';
import type { FenceDevice, PowerState } from '../device.js';

export interface IpmiClientOptions {
  hostName: string;
  memory: CipherSuiteMemory;
  timeoutMs?: number;
}

/** The IPMI client of a host's BMC, as the fence device and the bmc collector use it. */
export function ipmiClientOf(config: IpmiBmcConfig, password: string, opts: IpmiClientOptions): IpmiClient {
  return new IpmiClient(
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
}

/** What the device and the bmc collector call this BMC; never contains a secret. */
export function ipmiDescription(config: IpmiBmcConfig, hostName: string): string {
  return `IPMI BMC of ${hostName} (${config.address}:${config.port}, user ${config.user})`;
}

/**
 * A host's IPMI BMC as a fence device. Each call is one short RMCP+ session
 * (the client closes it on every path); the suite that worked is remembered
 * in `memory`, so the status polls after an off skip the failed suite-17 try.
 */
export function ipmiDevice(client: IpmiClient, description: string, hostName: string): FenceDevice {
  return {
    kind: 'power',
    description,
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
          id: hostName,
          description: `chassis of ${hostName}`,
          state: status.powerOn ? 'on' : 'off',
        },
      ];
    },
  };
}
