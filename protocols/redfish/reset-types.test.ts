import { describe, expect, it } from 'vitest';
import { chooseResetType, resetTypesFromActionInfo } from './reset-types.js';

describe('Redfish ResetType choice (values from DMTF Resource.json ResetType and vendor lists in research/fencing.md 7.2)', () => {
  it('follows the advertised list strictly', () => {
    const idrac = [
      'On',
      'ForceOff',
      'ForceRestart',
      'GracefulRestart',
      'GracefulShutdown',
      'PushPowerButton',
      'Nmi',
      'PowerCycle',
    ];
    expect(chooseResetType('off', idrac)).toEqual({ ok: true, resetType: 'ForceOff' });
    expect(chooseResetType('cycle', idrac)).toEqual({ ok: true, resetType: 'PowerCycle' });
    // The diagnostic interrupt host-crash sends: iDRAC lists Nmi, this OpenBMC list does not.
    expect(chooseResetType('nmi', idrac)).toEqual({ ok: true, resetType: 'Nmi' });
    const openbmc = ['On', 'ForceOff', 'GracefulRestart', 'GracefulShutdown'];
    expect(chooseResetType('cycle', openbmc)).toEqual({ ok: false, advertised: openbmc });
    expect(chooseResetType('nmi', openbmc)).toEqual({ ok: false, advertised: openbmc });
    expect(chooseResetType('soft', ['On', 'ForceOff'])).toEqual({
      ok: false,
      advertised: ['On', 'ForceOff'],
    });
  });

  it('with no list at all, proposes the standard value', () => {
    expect(chooseResetType('on', undefined)).toEqual({ ok: true, resetType: 'On' });
    expect(chooseResetType('cycle', undefined)).toEqual({ ok: true, resetType: 'PowerCycle' });
  });

  it('reads ResetType AllowableValues from an ActionInfo Parameters list', () => {
    const info = {
      Parameters: [
        { Name: 'Other', AllowableValues: ['x'] },
        { Name: 'ResetType', AllowableValues: ['On', 'ForceOff', 7] },
      ],
    };
    expect(resetTypesFromActionInfo(info)).toEqual(['On', 'ForceOff']);
    expect(resetTypesFromActionInfo({ Parameters: [] })).toBeUndefined();
    expect(resetTypesFromActionInfo('nonsense')).toBeUndefined();
  });
});
