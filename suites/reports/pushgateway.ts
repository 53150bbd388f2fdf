import { deadlineSignal } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { SuiteResult } from '../result.js';
import { suiteRegistry } from './suite-metrics.js';

/*
 * PUT of a run's results to a Prometheus Pushgateway, in the group
 * job="havoc_suite", suite="<name>": a PUT replaces the whole group, so an
 * expectation dropped from the suite does not linger from an older run.
 * Prometheus scrapes the Pushgateway with honor_labels: true to keep these
 * labels.
 */

export const PUSH_JOB = 'havoc_suite';
const PUSH_TIMEOUT_MS = 10_000;

/** The URL without user and password, for messages. */
function shown(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** A grouping-key value in the path: base64url (the Pushgateway's "@base64" form) when it holds a "/" or is empty. */
function groupValue(label: string, value: string): string {
  if (value === '' || value.includes('/'))
    return `${label}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${label}/${encodeURIComponent(value)}`;
}

export function pushGroupUrl(base: string, suite: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new HavocError('input', `invalid Pushgateway URL ${JSON.stringify(base)}`, {
      hint: 'give its base URL, e.g. --pushgateway http://pushgateway.example:9091',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HavocError('input', `invalid Pushgateway URL ${shown(url)}: not http or https`, {
      hint: 'give its base URL, e.g. --pushgateway http://pushgateway.example:9091',
    });
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}/metrics/job/${PUSH_JOB}/${groupValue('suite', suite)}`;
  return url;
}

/** Pushes the run's metrics; returns the group URL (without credentials). */
export async function pushResults(result: SuiteResult, base: string, signal?: AbortSignal): Promise<string> {
  const url = pushGroupUrl(base, result.suite.name);
  const registry = suiteRegistry(result);
  const body = await registry.metrics();
  const where = shown(url);
  const headers: Record<string, string> = { 'content-type': registry.contentType };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers,
      body,
      signal: deadlineSignal(PUSH_TIMEOUT_MS, `push to the Pushgateway ${where}`, signal),
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const why = cause instanceof Error ? cause.message : errorMessage(err);
    throw new HavocError('pushgateway', `cannot push the results to the Pushgateway at ${where}: ${why}`, {
      target: where,
      hint: 'check that the Pushgateway runs and the URL (--pushgateway) is right; the report files are written',
      cause: err,
    });
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 500);
    throw new HavocError(
      'pushgateway',
      `the Pushgateway at ${where} refused the results: HTTP ${res.status} ${res.statusText}${text ? `: ${text}` : ''}`,
      {
        target: where,
        hint: 'check that --pushgateway is the base URL of a Pushgateway (without /metrics); the report files are written',
      },
    );
  }
  await res.body?.cancel();
  return where;
}
