/*
 * The contract of a go-live certification (`havoc certify`), shared by the
 * run that gathers its lines, the waivers and the verdict that judge them,
 * the report that shows them and the manifest that seals the folder.
 *
 * One line per requirement: a live check, a preflight finding, one fence
 * level of one host, one expectation of the suite, one live migration, the
 * final state. Every line says what was measured against which target and
 * where its evidence is, so a reader can check the claim without havoc.
 */

/**
 * pass; warning / fail: a deviation (fail is a critical one); error: the
 * facts could not be gathered; inconclusive: the step ran but could not
 * tell, or did not run (no --destructive). Only pass and not-applicable
 * count towards GO without a waiver.
 */
export type LineStatus = 'pass' | 'warning' | 'fail' | 'error' | 'inconclusive' | 'not-applicable';

export type Section = 'preflight' | 'live-checks' | 'fencing' | 'suite' | 'live-migration' | 'final-state';

export const SECTION_TITLES: Record<Section, string> = {
  preflight: 'Design (static preflight of the inventory)',
  'live-checks': 'Live configuration',
  fencing: 'Fencing, every host through every level',
  suite: 'Failure suite',
  'live-migration': 'Live migration of every VM',
  'final-state': 'The cluster left as it was found',
};

/** One piece of proof: a file in the certification folder (path relative to it), or a short text. */
export interface Evidence {
  label: string;
  /** Relative to the output folder, '/'-separated: covered by the manifest. */
  file?: string;
  text?: string;
}

export interface CertLine {
  /**
   * The requirement id a waiver names, stable across runs:
   * `live.<check id>`, `preflight.<finding id>.<objects>`, `fence.<host>.level<n>`,
   * `suite.<suite>.<step>.<expectation>`, `migrate.<vm>`, `final.<what>`.
   */
  id: string;
  section: Section;
  title: string;
  status: LineStatus;
  /** What was measured, e.g. "host1 off 6.2 s after the request". */
  measured?: string;
  /** What it is judged against, e.g. "off within 60 s, seen off by a status read". */
  target?: string;
  /** One line a person reads: what was seen. */
  message: string;
  remediation?: string;
  /** Trento ids or other catalogue references. */
  references?: readonly string[];
  evidence: Evidence[];
  /** Set by applyWaivers: the waiver that names this line, applied or expired. */
  waiver?: AppliedWaiver;
}

export interface Waiver {
  /** A line id; a trailing `*` matches every line id that starts with the rest. */
  id: string;
  reason: string;
  /** Who accepted the risk. */
  by: string;
  /** Last day the waiver holds (YYYY-MM-DD, inclusive, UTC). */
  expires: string;
  /** Where it was written: "waivers.yaml:4:3". */
  source: string;
}

export interface AppliedWaiver extends Waiver {
  state: 'applied' | 'expired';
}

export type Verdict = 'GO' | 'GO WITH WAIVERS' | 'NO-GO';

export interface Certification {
  schema: 'havoc.certification/1';
  cluster: string;
  inventory: { file: string; sha256: string };
  destructive: boolean;
  /** ISO 8601 UTC. */
  startedAt: string;
  endedAt: string;
  havocVersion: string;
  /** Per host, package -> version as gathered by the live checks ('' not installed). */
  versions: Record<string, Record<string, string>>;
  lines: CertLine[];
  verdict: Verdict;
  /** The lines that decided the verdict, as sentences: "fence.host2.level1: fail (host2 still on after 60 s)". */
  verdictReasons: string[];
  /** Waivers that named no line (likely a typo), and waivers past their date. */
  waiverProblems: string[];
  /** The suite run, if one ran: its reports are in the folder. */
  suite?: { name: string; outcome: string; html?: string; json?: string };
  /** Parts that did not run, and why ("destructive steps: --destructive not given"). */
  notRun: string[];
}

/** File names inside the certification folder that the report and the manifest agree on. */
export const CERTIFICATION_FILES = {
  json: 'certification.json',
  html: 'certification.html',
  pdf: 'certification.pdf',
  manifest: 'manifest.json',
  signature: 'manifest.json.sig',
  evidenceDir: 'evidence',
  suiteDir: 'suite',
} as const;
