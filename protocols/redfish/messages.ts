/**
 * Redfish error bodies (DSP0266 "Error responses"): `{"error": {"code",
 * "message", "@Message.ExtendedInfo": [{"MessageId", "Message",
 * "Resolution", ...}]}}`. Vendors put the useful text in ExtendedInfo (iDRAC
 * "Server is already powered ON.", iLO "InvalidOperationForSystemState"), so
 * that is what havoc shows; the generic `message` is the fallback.
 */

export interface RedfishMessage {
  messageId?: string;
  message?: string;
  resolution?: string;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Messages from an error body or a 200 action response; both carry @Message.ExtendedInfo. */
export function extendedInfo(body: unknown): RedfishMessage[] {
  const root = asRecord(body);
  const error = asRecord(root?.['error']);
  const holder = error ?? root;
  const list = holder?.['@Message.ExtendedInfo'];
  const out: RedfishMessage[] = [];
  if (Array.isArray(list)) {
    for (const item of list) {
      const rec = asRecord(item);
      if (!rec) continue;
      const m: RedfishMessage = {};
      const id = str(rec['MessageId']);
      const text = str(rec['Message']);
      const resolution = str(rec['Resolution']);
      if (id) m.messageId = id;
      if (text) m.message = text;
      if (resolution) m.resolution = resolution;
      out.push(m);
    }
  }
  if (out.length === 0 && error) {
    const m: RedfishMessage = {};
    const code = str(error['code']);
    const text = str(error['message']);
    if (code) m.messageId = code;
    if (text) m.message = text;
    if (code || text) out.push(m);
  }
  return out;
}

/** One line for an error message: `Server is already powered ON. (IDRAC.2.1.PSU501)`. */
export function describeMessages(body: unknown, fallbackText: string): string {
  const messages = extendedInfo(body);
  if (messages.length === 0) {
    const trimmed = fallbackText.trim().replace(/\s+/g, ' ');
    return trimmed === '' ? 'no message in the response body' : trimmed.slice(0, 200);
  }
  return messages
    .map((m) => {
      const text = m.message ?? m.messageId ?? '';
      return m.message && m.messageId ? `${text} (${m.messageId})` : text;
    })
    .join('; ');
}
