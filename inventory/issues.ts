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

/** A YAML input file (an inventory, a suite) with located problems; `code` says which kind of file. */
export class YamlFileError extends HavocError {
  readonly file: string;
  readonly issues: InventoryIssue[];

  constructor(code: string, file: string, issues: InventoryIssue[]) {
    const plural = issues.length === 1 ? 'problem' : 'problems';
    super(
      code,
      `${file}: ${issues.length} ${plural}:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join('\n')}`,
      { target: file, hint: undefined },
    );
    this.name = 'YamlFileError';
    this.file = file;
    this.issues = issues;
  }
}

export class InventoryError extends YamlFileError {
  constructor(file: string, issues: InventoryIssue[]) {
    super('inventory', file, issues);
    this.name = 'InventoryError';
  }
}
