import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderSwitchSnapshot } from './switch.js';
import type { SwitchPortSnapshot, SwitchSnapshot } from './switch-snapshot.js';

const port = (over: Partial<SwitchPortSnapshot>): SwitchPortSnapshot => ({
  ifIndex: 3,
  name: 'swp1',
  descr: 'swp1',
  alias: 'host1 eth0',
  admin: 'up',
  oper: 'lowerLayerDown',
  mtuBytes: 9000,
  speedBitsPerSecond: 25_000_000_000,
  receiveBytes: 2n ** 40n,
  transmitBytes: 7n,
  receiveUnicastPackets: 1n,
  transmitUnicastPackets: 2n,
  receiveErrors: 3,
  transmitErrors: 4,
  receiveDiscards: 5,
  transmitDiscards: 6,
  lacp: undefined,
  ...over,
});

async function render(snapshot: SwitchSnapshot): Promise<string> {
  const registry = new Registry();
  renderSwitchSnapshot(snapshot, registry);
  return registry.metrics();
}

describe('switch metrics rendering', () => {
  it('puts names only in the info metric, base units, _total on counters, every state of a state set', async () => {
    const text = await render({ sysUpTimeTicks: 12345, namesCached: true, ports: [port({})] });
    expect(text).toContain(
      'havoc_switch_port_info{ifindex="3",name="swp1",alias="host1 eth0",descr="swp1"} 1',
    );
    expect(text.match(/host1 eth0/g)).toHaveLength(1);
    expect(text).toContain('havoc_switch_port_speed_bits_per_second{ifindex="3"} 25000000000');
    expect(text).toContain('havoc_switch_port_receive_bytes_total{ifindex="3"} 1099511627776');
    expect(text).toContain('# TYPE havoc_switch_port_receive_errors_total counter');
    for (const state of ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent']) {
      expect(text).toContain(`havoc_switch_port_oper_state{ifindex="3",state="${state}"} 0`);
    }
    expect(text).toContain('havoc_switch_port_oper_state{ifindex="3",state="lowerLayerDown"} 1');
    expect(text).toContain('havoc_switch_uptime_seconds 123.45');
  });

  it('keeps a state set complete (all zero) when the agent gave no value', async () => {
    const text = await render({ sysUpTimeTicks: 1, namesCached: false, ports: [port({ admin: undefined })] });
    for (const state of ['up', 'down', 'testing']) {
      expect(text).toContain(`havoc_switch_port_admin_state{ifindex="3",state="${state}"} 0`);
    }
  });

  it('renders LACP flags per port and the partner identity', async () => {
    const flags = {
      activity: true,
      shortTimeout: false,
      aggregation: true,
      synchronization: true,
      collecting: true,
      distributing: false,
      defaulted: false,
      expired: false,
    };
    const text = await render({
      sysUpTimeTicks: 1,
      namesCached: true,
      ports: [
        port({
          lacp: {
            attachedAggregator: 1001,
            actor: flags,
            partner: { ...flags, defaulted: true },
            partnerSystemId: '52:54:00:12:34:56',
            partnerKey: 9,
          },
        }),
      ],
    });
    expect(text).toContain('havoc_switch_port_lacp_aggregator_ifindex{ifindex="3"} 1001');
    expect(text).toContain('havoc_switch_port_lacp_actor_state{ifindex="3",flag="distributing"} 0');
    expect(text).toContain('havoc_switch_port_lacp_partner_state{ifindex="3",flag="defaulted"} 1');
    expect(text).toContain(
      'havoc_switch_port_lacp_partner_info{ifindex="3",system_id="52:54:00:12:34:56",key="9"} 1',
    );
  });
});
