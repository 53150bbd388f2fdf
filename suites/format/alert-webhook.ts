import { errorMessage, HavocError } from '../../core/errors.js';
import { type ListenAddress, notLocalAddress, parseListenAddress } from '../../core/listen-address.js';

/*
 * Where a suite run's Alertmanager webhook receiver listens: `--alert-webhook
 * HOST:PORT` or the suite file's `alertWebhook:`. A loopback address, or an
 * address of this station's own interfaces that Alertmanager can reach; never
 * a wildcard, so the receiver is exposed exactly where someone wrote it.
 */

const EXAMPLE = '127.0.0.1:9095 (Alertmanager on this station), or an address of this station';

/** The problem with `text` as a receiver address, or undefined. */
export function alertWebhookProblem(text: string): string | undefined {
  let addr: ListenAddress;
  try {
    addr = parseListenAddress(text, 'alertWebhook', EXAMPLE);
  } catch (err) {
    return errorMessage(err);
  }
  if (addr.port === 0) return `port 0 would listen on a port Alertmanager's route cannot name`;
  return notLocalAddress(addr);
}

/** Parses the receiver address of `--alert-webhook` (or the file's), or throws a usage error saying why not. */
export function parseAlertWebhook(text: string, option: string): ListenAddress {
  const addr = parseListenAddress(text, option, EXAMPLE);
  const problem = alertWebhookProblem(text);
  if (problem)
    throw new HavocError('usage', `${option} ${text}: ${problem}`, {
      hint: `the receiver listens on loopback or an address of this station: e.g. ${EXAMPLE}`,
    });
  return addr;
}
