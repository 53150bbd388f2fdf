import { readFileSync } from 'node:fs';

/** This boot of the machine: monotonic ns are comparable only within one. */
export function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}
