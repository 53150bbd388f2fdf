import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ListenAddress } from '../../core/listen-address.js';
import { SshPool } from '../../protocols/ssh/index.js';
import type { ParsedSuite } from '../../suites/format/load-suite.js';
import { havocVersion } from '../../suites/runner/havoc-version.js';
import { CERTIFICATION_FILES, type Certification, type CertLine, type Waiver } from '../certification.js';
import { decideVerdict } from '../verdict.js';
import { applyWaivers } from '../waivers.js';
import { liveCheckSection, preflightSection } from './check-lines.js';
import { destructiveSections } from './destructive-sections.js';
import { NOT_DESTRUCTIVE, notRunLines } from './not-run-lines.js';
import type { CertifyRunContext } from './run-context.js';

export interface CertifyOptions extends CertifyRunContext {
  /** Absolute, empty, created by the caller. */
  outDir: string;
  destructive: boolean;
  waivers: readonly Waiver[];
  /** The failure suite (default nightly), parsed and checked against the inventory before anything runs. */
  suite: ParsedSuite;
  /** Where the failure suite's Alertmanager webhook receiver listens (its alertFiredWithin and alertResolvedWithin lines). */
  alertWebhook?: ListenAddress | undefined;
  /** ssh-keygen private key (or KEY.pub with the key in the agent) to sign the manifest with. */
  signKey?: string;
  /** The environment ssh-keygen signs in (SSH_AUTH_SOCK for a key in the agent). */
  env?: NodeJS.ProcessEnv;
  /** The day waivers are judged on (default: now). */
  today?: Date;
}

export interface CertifyOutcome {
  certification: Certification;
  exitCode: 0 | 1 | 5;
  files: { json: string; html: string; pdf: string; manifest: string; signature?: string };
}

/**
 * `havoc certify`: preflight and live checks (read-only), then with
 * --destructive the destructive sections (destructive-sections.ts), else
 * their lines as "not run"; the waivers applied, the verdict decided,
 * certification.json, its HTML and PDF, and the manifest that seals the
 * folder (signed with --sign).
 */
export async function runCertification(o: CertifyOptions): Promise<CertifyOutcome> {
  const startedAt = new Date().toISOString();
  const lines: CertLine[] = [];
  const notRun: string[] = [];
  o.progress('preflight of the inventory');
  lines.push(...preflightSection(o.loaded, o.outDir, o.redactor));
  o.progress(`live checks: gathering facts from ${o.loaded.inventory.hosts.length} host(s)`);
  const ssh = new SshPool();
  let versions: Record<string, Record<string, string>>;
  try {
    const live = await liveCheckSection(o.loaded, ssh, o.outDir, o.redactor, o.signal);
    lines.push(...live.lines);
    versions = live.versions;
  } finally {
    ssh.close();
  }
  let suite: Certification['suite'];
  if (o.destructive) {
    const d = await destructiveSections(o);
    lines.push(...d.lines);
    notRun.push(...d.notRun);
    suite = d.suite;
  } else {
    lines.push(...notRunLines(o.loaded, o.suite, NOT_DESTRUCTIVE));
    notRun.push(
      'destructive steps (fencing, the failure suite, the live migrations, the final state): --destructive not given',
    );
  }
  const waived = applyWaivers(lines, o.waivers, o.today ?? new Date());
  const decision = decideVerdict(waived.lines);
  const inventoryFile = resolve(o.loaded.file);
  const certification: Certification = {
    schema: 'havoc.certification/1',
    cluster: o.loaded.inventory.cluster.name,
    inventory: {
      file: inventoryFile,
      sha256: createHash('sha256').update(readFileSync(inventoryFile)).digest('hex'),
    },
    destructive: o.destructive,
    startedAt,
    endedAt: new Date().toISOString(),
    havocVersion: havocVersion(),
    versions,
    lines: waived.lines,
    verdict: decision.verdict,
    verdictReasons: decision.reasons,
    waiverProblems: waived.problems,
    ...(suite ? { suite } : {}),
    notRun,
  };
  const json = join(o.outDir, CERTIFICATION_FILES.json);
  writeFileSync(json, `${JSON.stringify(o.redactor.redactValue(certification), null, 2)}\n`);
  o.progress('the report: HTML, then PDF through Chromium');
  const [{ writeCertificationReport }, { writeManifest }, { signManifest }] = await Promise.all([
    import('../report/index.js'),
    import('../manifest.js'),
    import('../manifest-signature.js'),
  ]);
  const report = await writeCertificationReport(certification, o.outDir);
  await writeManifest(o.outDir);
  const manifest = join(o.outDir, CERTIFICATION_FILES.manifest);
  const signature = o.signKey
    ? await signManifest(o.outDir, o.signKey, o.env ? { env: o.env } : {})
    : undefined;
  return {
    certification,
    exitCode: decision.exitCode,
    files: { json, ...report, manifest, ...(signature ? { signature } : {}) },
  };
}
