import { AuthError, HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import type { HttpResponse, HttpTransport } from '../http/transport.js';
import { describeMessages, parseJson } from './messages.js';

/**
 * Redfish authentication (DSP0266 "Session management"): POST the
 * credentials to the Sessions collection, keep the X-Auth-Token, DELETE the
 * session's Location when done. BMCs allow few sessions (iDRAC answers 503
 * RAC0218 when full, stmcginnis/gofish#75), so a session is always deleted.
 * A service without sessions (404/405/501 on the POST) gets HTTP Basic on
 * every request instead.
 */

export type RedfishAuth =
  | { kind: 'session'; token: string; location: string }
  | { kind: 'basic'; header: string };

export interface Credentials {
  user: string;
  password: string;
}

const SESSIONS_UNSUPPORTED = new Set([404, 405, 501]);

export function authHeaders(auth: RedfishAuth): Record<string, string> {
  return auth.kind === 'session' ? { 'x-auth-token': auth.token } : { authorization: auth.header };
}

export function authFailure(target: string, user: string, what: string, res: HttpResponse): AuthError {
  return new AuthError(
    `${target}: ${what} was refused with HTTP ${res.status} (${describeMessages(parseJson(res.text), res.text)})`,
    {
      target,
      hint:
        res.status === 401
          ? `check the password file or env variable for user ${user}, and that the account is enabled`
          : `user ${user} lacks the privilege for this; give it the Operator or Administrator role`,
    },
  );
}

export async function openSession(
  http: HttpTransport,
  sessionsUri: string,
  creds: Credentials,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<RedfishAuth> {
  const res = await http.request(
    {
      method: 'POST',
      url: sessionsUri,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ UserName: creds.user, Password: creds.password }),
    },
    signal,
  );
  if (res.status === 401 || res.status === 403)
    throw authFailure(http.target, creds.user, 'session login', res);
  if (SESSIONS_UNSUPPORTED.has(res.status)) {
    // The encoded password is no less secret than the password.
    const header = `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`;
    redactor.add(header.slice('Basic '.length));
    return { kind: 'basic', header };
  }
  if (res.status < 200 || res.status > 299) {
    throw new HavocError(
      'redfish-http',
      `${http.target}: session login answered HTTP ${res.status}: ${describeMessages(parseJson(res.text), res.text)}`,
      {
        target: http.target,
        hint:
          res.status === 503
            ? 'the BMC has no free session: close stale sessions (BMC web UI) or wait for them to time out'
            : 'retry; if it persists, check the BMC log',
      },
    );
  }
  const token = headerValue(res.headers['x-auth-token']);
  const body = parseJson(res.text) as Record<string, unknown> | undefined;
  const location =
    headerValue(res.headers['location']) ??
    (typeof body?.['@odata.id'] === 'string' ? body['@odata.id'] : undefined);
  if (!token || !location) {
    // Without the Location the session could never be deleted; without the
    // token it could never be used. Either way the slot may now be taken.
    throw new HavocError(
      'protocol',
      `${http.target}: session login answered HTTP ${res.status} without ${token ? 'a Location header' : 'an X-Auth-Token header'}`,
      {
        target: http.target,
        hint: 'this BMC does not follow DSP0266 session login; report its firmware version',
      },
    );
  }
  // The token logs in as the user until the session is deleted: a secret like the password.
  redactor.add(token);
  return { kind: 'session', token, location };
}

/** Deletes the session; a 404 means it is already gone (expired or deleted). */
export async function closeSession(
  http: HttpTransport,
  auth: RedfishAuth,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<void> {
  if (auth.kind !== 'session') return;
  const res = await http.request(
    { method: 'DELETE', url: auth.location, headers: { ...authHeaders(auth), accept: 'application/json' } },
    signal,
  );
  if ((res.status >= 200 && res.status <= 299) || res.status === 404) {
    // The session is gone, so the token no longer logs anyone in.
    redactor.forget(auth.token);
    return;
  }
  throw new HavocError(
    'redfish-http',
    `${http.target}: deleting session ${new URL(auth.location, http.base).pathname} answered HTTP ${res.status}: ${describeMessages(parseJson(res.text), res.text)}`,
    { target: http.target, hint: 'the session will expire by itself after the BMC SessionTimeout' },
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}
