import type { FenceResult } from './result.js';

const ms = (n: number) => `${Math.round(n)} ms`;

/** A fence result as lines for a terminal (or a fence agent's log). */
export function describeFenceResult(result: FenceResult): string[] {
  const lines: string[] = [];
  const verdict = result.ok ? 'ok' : 'FAILED';
  let head = `${result.action} ${result.host}: ${verdict} in ${ms(result.durationMs)}`;
  if (result.level !== undefined) head += ` (level ${result.level})`;
  if (result.state) head += `, power ${result.state}`;
  lines.push(head);
  for (const level of result.levels) {
    lines.push(`  level ${level.level}: ${level.ok ? 'ok' : 'failed'}`);
    for (const device of level.devices) {
      lines.push(`    ${device.device}: ${device.ok ? 'ok' : `failed: ${device.error ?? ''}`}`);
      for (const step of device.steps) {
        const extra = [
          step.state ? `state ${step.state}` : '',
          step.polls ? `${step.polls} polls` : '',
          step.error ?? '',
        ]
          .filter(Boolean)
          .join(', ');
        lines.push(
          `      +${ms(step.startMs).padStart(8)}  ${step.step.padEnd(10)} ${ms(step.durationMs).padStart(8)}  ${step.ok ? 'ok' : 'FAILED'}${extra ? `  ${extra}` : ''}`,
        );
      }
    }
  }
  for (const entry of result.entries ?? []) {
    lines.push(
      `  ${entry.id}${entry.state ? ` (${entry.state})` : ''}${entry.description ? `: ${entry.description}` : ''}  [${entry.device}]`,
    );
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  if (result.error) lines.push(`  error: ${result.error}`);
  return lines;
}
