import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { agentMetadata } from '../../fencers/agent-metadata.js';
import { parseArgvOptions, parseStdinOptions } from '../../fencers/agent-options.js';

describe('fence_havoc options (fence-agents interface, doc/FenceAgentAPI.md)', () => {
  it('reads key=value lines as pacemaker-fenced sends them, keeping unknown keys aside', () => {
    const opts = parseStdinOptions(
      'action=off\nnodename=node1\nport=host1\npcmk_host_list=node1 node2\n# comment\nmethod=cycle\npower_timeout=7\nverbose=1\n',
    );
    expect(opts).toMatchObject({
      action: 'off',
      plug: 'host1',
      method: 'cycle',
      powerTimeout: '7',
      verbose: true,
    });
    expect(opts.unknown).toEqual(['pcmk_host_list']);
  });

  it('nodename= is only the fallback host argument', () => {
    expect(parseStdinOptions('action=reboot\nnodename=node2\n').plug).toBe('node2');
    expect(parseStdinOptions('plug=host2\nnodename=node2\n').plug).toBe('host2');
    expect(parseStdinOptions('nodename=node2\nplug=host2\n').plug).toBe('host2');
  });

  it('defaults to reboot, as fence-agents do', () => {
    expect(parseStdinOptions('plug=h1\n').action).toBe('reboot');
  });

  it('reads getopt-style options as a person types them', () => {
    expect(parseArgvOptions(['-o', 'status', '-n', 'host3', '-v'])).toMatchObject({
      action: 'status',
      plug: 'host3',
      verbose: true,
    });
    expect(parseArgvOptions(['--action=off', '--plug=host1', '--inventory', '/x.yaml'])).toMatchObject({
      action: 'off',
      plug: 'host1',
      inventory: '/x.yaml',
    });
  });

  it('metadata is well-formed XML listing the actions and the host parameters', () => {
    const xml = agentMetadata();
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      'resource-agent': {
        parameters: { parameter: { '@_name': string }[] };
        actions: { action: { '@_name': string }[] };
      };
    };
    const params = doc['resource-agent'].parameters.parameter.map((p) => p['@_name']);
    expect(params).toEqual(
      expect.arrayContaining(['action', 'plug', 'port', 'inventory', 'method', 'power_timeout', 'delay']),
    );
    const actions = doc['resource-agent'].actions.action.map((a) => a['@_name']);
    expect(actions).toEqual(['on', 'off', 'reboot', 'status', 'list', 'monitor', 'metadata', 'validate-all']);
  });
});
