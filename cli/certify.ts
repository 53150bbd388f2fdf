import { Command } from 'commander';
import { CERTIFICATION_FILES } from '../certify/certification.js';
import type { ManifestCheck } from '../certify/manifest.js';
import type { SignatureCheck } from '../certify/manifest-signature.js';
import { configureCertifyRun } from './certify-run.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';

const short = (sha: string) => sha.slice(0, 12);

function describeCheck(check: ManifestCheck, signature: SignatureCheck | undefined): string[] {
  const out: string[] = [];
  if (check.intact)
    out.push(`${check.dir}: intact, ${check.listed} file(s) match ${CERTIFICATION_FILES.manifest}`);
  else {
    out.push(
      `${check.dir}: CHANGED since it was sealed (${CERTIFICATION_FILES.manifest} lists ${check.listed} file(s)): ${check.changed.length} changed, ${check.missing.length} missing, ${check.added.length} added, ${check.refused.length} uncheckable`,
    );
    for (const c of check.changed)
      out.push(
        `  changed  ${c.path}: sha256 ${short(c.expected.sha256)}... -> ${short(c.actual.sha256)}..., ${c.expected.size} -> ${c.actual.size} bytes`,
      );
    for (const p of check.missing) out.push(`  missing  ${p}`);
    for (const p of check.added) out.push(`  added    ${p} (not in the manifest)`);
    for (const r of check.refused) out.push(`  refused  ${r.path}: ${r.reason}`);
  }
  if (signature)
    out.push(
      signature.good
        ? `signature of ${CERTIFICATION_FILES.manifest}: good (${signature.message})`
        : `signature of ${CERTIFICATION_FILES.manifest}: BAD (${signature.message})`,
    );
  return out;
}

export function certifyCommand(env: CommandEnv): Command {
  const certify = new Command('certify').description(
    'go-live certification of the cluster, and the check of a certification folder handed over (havoc certify verify DIR)',
  );
  configureCertifyRun(certify, env);
  certify
    .command('verify')
    .description(
      `check a certification folder against its ${CERTIFICATION_FILES.manifest} (every changed, missing and added file) and, with --public-key, its signature: exit 0 intact (and signed by that key), 1 changed or bad signature, 3 not a certification folder`,
    )
    .argument('<dir>', 'the certification folder (havoc certify --out DIR)')
    .option(
      '--public-key <file>',
      `the signer's OpenSSH public key (KEY.pub): ${CERTIFICATION_FILES.signature} must verify with it`,
    )
    .action(
      env.run(async (dir: string, opts: { publicKey?: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const [{ verifyManifest }, { verifySignature }] = await Promise.all([
          import('../certify/manifest.js'),
          import('../certify/manifest-signature.js'),
        ]);
        const check = await verifyManifest(dir);
        const signature =
          opts.publicKey === undefined ? undefined : await verifySignature(dir, opts.publicKey);
        const ok = check.intact && (signature?.good ?? true);
        if (g.json)
          io.json({
            ...check,
            ...(signature ? { signature: { publicKey: opts.publicKey, ...signature } } : {}),
            ok,
          });
        else io.out(describeCheck(check, signature).join('\n'));
        return ok ? EXIT.ok : EXIT.failed;
      }),
    );
  return certify;
}
