/**
 * Which hosts a per-host watch (libvirt, QMP) can read, as the watchers
 * report it: one `reachability` record for the cluster each time the set of
 * hosts that cannot be read changes, and nothing before every host was tried
 * once (a first observation from half the hosts would be wrong).
 */
export class HostsReachability {
  /** '' once read; otherwise why it cannot be. A host without an entry was not tried yet. */
  private readonly down = new Map<string, string>();
  private lastDown: string | undefined;

  constructor(
    private readonly hosts: readonly string[],
    private readonly report: (fields: { reachable: boolean; error?: string }, ns: bigint) => void,
  ) {}

  /** Every host was tried at least once. */
  get everyHostTried(): boolean {
    return this.hosts.every((h) => this.down.has(h));
  }

  /** The host was read (`why` empty) or could not be (`why` says why); reports a change of the set. */
  set(host: string, why: string, ns: bigint): void {
    this.down.set(host, why);
    if (!this.everyHostTried) return;
    const key = this.hosts.filter((h) => this.down.get(h)).join(',');
    if (key === this.lastDown) return;
    this.lastDown = key;
    const down = this.hosts.flatMap((h) => {
      const reason = this.down.get(h);
      return reason ? [`${h}: ${reason}`] : [];
    });
    this.report(down.length === 0 ? { reachable: true } : { reachable: false, error: down.join('; ') }, ns);
  }
}
