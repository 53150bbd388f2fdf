import { describe, expect, it } from 'vitest';
import { describeSuiteEvent } from '../../cli/suite-progress.js';

describe('suite progress lines', () => {
  it('shows an alert notification as the alert, its labels and its status', () => {
    expect(
      describeSuiteEvent({
        type: 'watch',
        watcher: 'alertmanager',
        subject: 'alert:HASwitchPortDown',
        event: 'alert',
        fields: {
          status: 'firing',
          labels: { alertname: 'HASwitchPortDown', host: 'host2', port: 'swp7' },
          annotations: { summary: 'long text not shown' },
        },
      }),
    ).toBe('  alert HASwitchPortDown{host=host2,port=swp7} FIRING');
    expect(
      describeSuiteEvent({
        type: 'watch',
        watcher: 'pacemaker',
        subject: 'node:host1',
        event: 'node',
        fields: { online: false },
      }),
    ).toBe('  pacemaker node:host1 node {"online":false}');
  });
});
