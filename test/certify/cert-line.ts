import type { CertLine, LineStatus, Waiver } from '../../certify/certification.js';

/** A certification line as the run would write it, for the waiver and verdict tests. */
export function certLine(id: string, status: LineStatus, message = `${id} seen ${status}`): CertLine {
  return { id, section: 'live-checks', title: id, status, message, evidence: [] };
}

export function waiver(id: string, expires: string, by = 'Jane Doe <jane@example.com>'): Waiver {
  return { id, reason: `accepted for ${id}`, by, expires, source: `waivers.yaml:${id.length}:5` };
}
