import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCliConstraints } from './cli-constraints.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseCliConstraints (cibadmin --query --scope constraints, captured from Pacemaker 2.1.5)', () => {
  it("finds the cli-prefer- constraint crm_resource --move left, and none of the lab's own", () => {
    expect(parseCliConstraints(fixture('cibadmin-constraints-cli-prefer.xml'))).toEqual([
      { id: 'cli-prefer-vm1', resource: 'vm1', node: 'host3', score: 'INFINITY' },
    ]);
  });

  it('finds a cli-ban- constraint', () => {
    expect(parseCliConstraints(fixture('cibadmin-constraints-cli-ban.xml'))).toEqual([
      { id: 'cli-ban-vm2-on-host1', resource: 'vm2', node: 'host1', score: '-INFINITY' },
    ]);
  });

  it('reads an empty constraints section as none, and refuses output that is not a constraints section', () => {
    expect(parseCliConstraints('<constraints/>')).toEqual([]);
    expect(() => parseCliConstraints('<cib/>')).toThrow(/no <constraints> element/);
  });
});
