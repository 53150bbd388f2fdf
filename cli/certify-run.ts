import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CertLine, Waiver } from '../certify/certification.js';
import { HavocError } from '../core/errors.js';
import { makeDirs } from '../core/make-dirs.js';
import { registerSecrets } from '../inventory/register-secrets.js';
import { parseAlertWebhook } from '../suites/format/alert-webhook.js';
import { checkSuiteAgainst, readSuite } from '../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../suites/format/registries.js';
import { EXPECTATION_REGISTRY } from '../suites/runner/judge.js';
import { ledgerDirFor } from './chaos-paths.js';
import type { CommandEnv } from './command-env.js';
import { interruptOnSignals } from './interrupt.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import { describeSuiteEvent } from './suite-progress.js';
import { renderTable } from './table.js';

interface RunOpts {
  destructive?: boolean;
  waivers?: string;
  suite: string;
  sign?: string;
  alertWebhook?: string;
  out?: string;
  ledger?: string;
}

/** --out must be a new or empty folder: a certification folder holds one run, sealed by its manifest. */
function emptyOutDir(dir: string | undefined): string {
  if (!dir)
    throw new HavocError('usage', 'havoc certify needs --out DIR', {
      hint: 'a new or empty folder for the certification (report, evidence, manifest)',
    });
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new HavocError('usage', `--out ${dir}: not a folder`);
    const entries = readdirSync(abs);
    if (entries.length)
      throw new HavocError(
        'usage',
        `--out ${dir}: not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''})`,
        {
          hint: 'give a new or empty folder: a certification folder holds one run, sealed by its manifest',
        },
      );
  }
  return abs;
}

const ORDER: Record<CertLine['status'], number> = {
  fail: 0,
  error: 1,
  inconclusive: 2,
  warning: 3,
  pass: 4,
  'not-applicable': 5,
};

/** The run itself (`havoc certify --out DIR ...`): its options and action on the parent command. */
export function configureCertifyRun(certify: Command, env: CommandEnv): void {
  certify
    .option(
      '--destructive',
      'also fence every host through every level, run the failure suite, live-migrate every HA VM, and compare the cluster as left with the cluster as found (a cluster not yet in production)',
    )
    .option(
      '--waivers <file>',
      'YAML waivers: accepted deviations, each with an id, a reason, who and an expiry day',
    )
    .option(
      '--suite <name|file>',
      'the failure suite of --destructive: a built-in name or a suite file',
      'nightly',
    )
    .option(
      '--alert-webhook <host:port>',
      "with --destructive: listen there for Alertmanager's webhook notifications during the failure suite, so each fault's alert firing and resolving are lines (alertFiredWithin, alertResolvedWithin); route Alertmanager to it (havoc alerts export --suite-webhook)",
    )
    .option('--sign <key>', 'sign the manifest with this SSH private key (ssh-keygen -Y sign)')
    .option('--out <dir>', 'a new or empty folder for the certification')
    .option(
      '--ledger <dir>',
      "fault ledger directory (default: $HAVOC_LEDGER_DIR, the lab's, /var/lib/havoc/ledger)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 GO or GO WITH WAIVERS, 1 NO-GO (a fail or warning not waived), 5 NO-GO only from lines that\n' +
        'could not be judged (error, inconclusive), 2 usage, 3 bad input (inventory, waivers, suite). Without\n' +
        '--destructive the destructive sections are lines "not run: --destructive not given" (NO-GO unless waived).\n' +
        '--json prints certification.json. Ctrl-C reverts the fault in effect; the run then ends with what it has.',
    )
    .action(
      env.run(async (opts: RunOpts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const outDir = emptyOutDir(opts.out);
        const path = inventoryPathFor(g.inventory, env.streams.env, g.lab);
        const loaded = loadForCli(path, io);
        registerSecrets(loaded);
        if (loaded.inventory.haManager?.type !== 'pacemaker')
          throw new HavocError(
            'config',
            `${path}: the certification so far is for Pacemaker clusters; haManager is ${loaded.inventory.haManager?.type ?? 'not set'}`,
            { hint: 'set haManager: {type: pacemaker} for a Pacemaker cluster' },
          );
        // Everything read before anything runs: a bad waivers or suite file stops here, having touched nothing.
        const [{ loadWaivers }, { runCertification }] = await Promise.all([
          import('../certify/waivers.js'),
          import('../certify/run/run-certification.js'),
        ]);
        const waivers: Waiver[] = opts.waivers ? loadWaivers(opts.waivers) : [];
        const alertWebhook =
          opts.alertWebhook === undefined
            ? undefined
            : parseAlertWebhook(opts.alertWebhook, '--alert-webhook');
        const suite = readSuite(opts.suite, () => loaded.inventory, FAULT_REGISTRY, {
          alerts: alertWebhook !== undefined,
        });
        checkSuiteAgainst(suite, loaded.inventory, {
          faults: FAULT_REGISTRY,
          expectations: EXPECTATION_REGISTRY,
        });
        makeDirs(outDir, 'the certification folder');
        const interrupt = interruptOnSignals(
          io,
          'interrupted: reverting what is in effect, then writing what was seen',
        );
        try {
          const {
            certification: c,
            exitCode,
            files,
          } = await runCertification({
            loaded,
            outDir,
            destructive: opts.destructive ?? false,
            waivers,
            suite,
            alertWebhook,
            ledgerDir: ledgerDirFor(opts.ledger, loaded.file, env.streams.env),
            ...(opts.sign ? { signKey: opts.sign } : {}),
            env: env.streams.env,
            redactor: io.redactor,
            log: io.log,
            logLevel: g.logLevel,
            command: [
              'havoc',
              'certify',
              ...(opts.destructive ? ['--destructive'] : []),
              '--out',
              outDir,
            ].join(' '),
            progress: (t) => io.progress(t),
            listener: (e) => {
              const line = describeSuiteEvent(e);
              if (line !== undefined) io.progress(line);
            },
            signal: interrupt.signal,
          });
          if (g.json) io.json(c);
          else {
            const shown = [...c.lines].filter((l) => l.status !== 'pass' && l.status !== 'not-applicable');
            shown.sort((a, b) => ORDER[a.status] - ORDER[b.status]);
            const count = (s: CertLine['status']) => c.lines.filter((l) => l.status === s).length;
            if (shown.length)
              io.out(
                renderTable(
                  ['STATUS', 'WAIVER', 'ID', 'SEEN'],
                  shown.map((l) => [l.status, l.waiver?.state ?? '-', l.id, l.message]),
                ),
              );
            io.out(
              `\n${c.cluster}: ${c.lines.length} line(s): ${count('pass')} pass, ${count('warning')} warning, ${count('fail')} fail, ${count('error')} error, ${count('inconclusive')} inconclusive, ${count('not-applicable')} not applicable`,
            );
            for (const n of c.notRun) io.out(`not run: ${n}`);
            for (const p of c.waiverProblems) io.out(`waivers: ${p}`);
            io.out(`\n${c.verdict}`);
            for (const r of c.verdictReasons) io.out(`  ${r}`);
            io.out(
              `\n${outDir}: ${[files.json, files.html, files.pdf, files.manifest, files.signature].filter(Boolean).join(', ')}`,
            );
          }
          return exitCode;
        } finally {
          interrupt.release();
        }
      }),
    );
}
