import { mkdirSync, readdirSync } from 'node:fs';
import { writeCertificationReport } from '../../certify/report/index.js';
import { goWithWaiversCertification, noGoCertification } from './certification-fixture.js';

/*
 * The fixture's folder, with its report, outside a test (for the README's
 * picture before a real run exists, or to look at the report):
 *   node --import tsx test/support/write-certification-fixture.ts DIR [go-with-waivers|no-go]
 */

const [dir, kind = 'go-with-waivers'] = process.argv.slice(2);
const make = { 'go-with-waivers': goWithWaiversCertification, 'no-go': noGoCertification }[kind];
if (!dir || !make) {
  process.stderr.write(
    'usage: node --import tsx test/support/write-certification-fixture.ts DIR [go-with-waivers|no-go]\n',
  );
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
if (readdirSync(dir).length > 0) {
  process.stderr.write(`${dir} is not empty: give a new or empty folder\n`);
  process.exit(3);
}
const written = await writeCertificationReport(make(dir), dir);
process.stdout.write(`${written.html}\n${written.pdf}\n`);
