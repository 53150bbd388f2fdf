/*
 * The part of net-snmp 3.x (which ships no types) that protocols/snmp uses.
 * Shapes read from node_modules/net-snmp/index.js (Session, Req, getBulk's
 * feedCb, the error constructors); nothing else should import net-snmp.
 */
declare module 'net-snmp' {
  namespace snmp {
    interface Varbind {
      oid: string;
      type: number;
      value: unknown;
    }

    interface SessionOptions {
      port?: number;
      retries?: number;
      timeout?: number;
      backoff?: number;
      transport?: 'udp4' | 'udp6';
      version?: number;
      idBitsSize?: 16 | 32;
      context?: string;
      backwardsGetNexts?: boolean;
      reportOidMismatchErrors?: boolean;
    }

    interface V3User {
      name: string;
      level: number;
      authProtocol?: number;
      authKey?: string;
      privProtocol?: number;
      privKey?: string;
    }

    type ResponseCallback<T> = (error: Error | null, result: T) => void;

    interface Session {
      /** Read when each request is built (Req constructor): changing it affects later requests only. */
      timeout: number;
      retries: number;
      get(oids: string[], cb: ResponseCallback<Varbind[]>): Session;
      getBulk(
        oids: string[],
        nonRepeaters: number,
        maxRepetitions: number,
        cb: ResponseCallback<Varbind[][]>,
      ): Session;
      set(varbinds: Varbind[], cb: ResponseCallback<Varbind[]>): Session;
      close(): Session;
      on(event: 'error' | 'close', listener: (err?: unknown) => void): Session;
    }

    const Version1: number;
    const Version2c: number;
    const Version3: number;
    const ObjectType: Record<string, number> & Record<number, string>;
    const ErrorStatus: Record<string, number> & Record<number, string>;
    const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    const AuthProtocols: Record<'none' | 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', number>;
    const PrivProtocols: Record<'none' | 'des' | 'aes' | 'aes256b' | 'aes256r', number>;
    const ResponseInvalidCode: Record<string, number> & Record<number, string>;

    function createSession(target: string, community: string, options?: SessionOptions): Session;
    function createV3Session(target: string, user: V3User, options?: SessionOptions): Session;
    function isVarbindError(varbind: Varbind): boolean;
  }
  export = snmp;
}
