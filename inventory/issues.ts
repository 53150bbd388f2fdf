import { HavocError } from '../core/errors.js';

/** One thing wrong with an inventory file, located precisely enough to fix it without reading code. */
export interface InventoryIssue {
  /** YAML path such as `hosts[1].bmc.password`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  found?: string;
  expected?: string;
}

export function formatIssue(file: string, issue: InventoryIssue): string {
  const where = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  let text = `${where}: ${issue.path}: ${issue.message}`;
  if (issue.found !== undefined) text += `; found ${issue.found}`;
  if (issue.expected !== undefined) text += `; expected ${issue.expected}`;
  return text;
}

export class InventoryError extends HavocError {
  readonly file: string;
  readonly issues: InventoryIssue[];

  constructor(file: string, issues: InventoryIssue[]) {
    const plural = issues.length === 1 ? 'problem' : 'problems';
    super(
      'inventory',
      `${file}: ${issues.length} ${plural}:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join('\n')}`,
      { target: file, hint: undefined },
    );
    this.name = 'InventoryError';
    this.file = file;
    this.issues = issues;
  }
}
