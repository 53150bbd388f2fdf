import { randomBytes } from 'node:crypto';

/** An id for a run or a healer: sortable by time, unique per process, safe in a file name. */
export function newRunId(): string {
  const t = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${t}-${process.pid}-${randomBytes(2).toString('hex')}`;
}
