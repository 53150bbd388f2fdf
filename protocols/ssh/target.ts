/** Where and as whom to log in; the inventory's hosts[].ssh plus the host's name and address. */
export interface SshTarget {
  /** Names the host in errors (the inventory host name); also looked up in known_hosts. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Private key file (OpenSSH or PEM format, no passphrase). */
  keyFile: string;
  knownHostsFile?: string | undefined;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  hostKeyFingerprint?: string | undefined;
}

/** One connection per distinct login (a changed key file or trust setting is a new connection). */
export function targetKey(t: SshTarget): string {
  return JSON.stringify([
    t.user,
    t.address,
    t.port,
    t.keyFile,
    t.knownHostsFile ?? '',
    t.hostKeyFingerprint ?? '',
  ]);
}
