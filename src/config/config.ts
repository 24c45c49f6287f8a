/**
 * The daemon's resolved configuration: one frozen object built from
 * argv > environment > defaults. A leaf module: imports nothing from src/.
 */

export type ClusterSourceConfig =
  | { readonly kind: 'self' }
  | { readonly kind: 'static'; readonly nodes: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'dns'; readonly name: string; readonly intervalSeconds: number };

export interface TlsConfig {
  /** memcached protocols over TLS; 0 = off. */
  readonly port: number;
  /** Redis protocol over TLS; 0 = off. */
  readonly redisPort: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** With a CA, clients must present a certificate it signed (mutual TLS). */
  readonly caFile: string | null;
}

export interface Config {
  /** TCP port (-p); 0 = TCP off. */
  port: number;
  /** Close connections without a request or reply for this long; 0 = never (memcached's idle_timeout). */
  idleTimeoutSeconds: number;
  /** How long a graceful stop waits for owed replies before closing sockets. */
  shutdownTimeoutSeconds: number;
  /** Redis protocol (RESP) TCP port on the same interfaces; 0 = off. */
  redisPort: number;
  /** Admin HTTP port (/metrics, /healthz, /readyz) on the same interfaces; 0 = off. */
  adminPort: number;
  /** TLS listeners and their key material (files are read at start and on SIGHUP); null = no TLS port. */
  tls: TlsConfig | null;
  /**
   * --redis-cluster: the RESP port acts as a Redis Cluster node over the same
   * membership (MOVED / CROSSSLOT for keys other nodes own). Off: CLUSTER
   * commands still answer, nothing redirects.
   */
  redisCluster: boolean;
  /** Where `config get cluster` membership comes from; at most one source (none = this node only). */
  cluster: ClusterSourceConfig;
  /** Interfaces to listen on (-l), comma list split. */
  listen: string[];
  /** Unix socket path (-s), or null. */
  unixSocket: string | null;
  /** Unix socket permission mask (-a), octal like memcached (0700 default). */
  unixMask: number;
  /** Cache memory limit in bytes (-m, given in MB; `auto` sizes it from the cgroup limit). */
  memoryLimitBytes: number;
  /** How `--memory-limit auto` chose the size (logged at start), or null. */
  memoryLimitNote: string | null;
  /** Max simultaneous connections (-c). */
  connLimit: number;
  /** Shard worker count (-t). */
  threads: number;
  /** Max item size in bytes (-I); also the slab page size. */
  maxItemSize: number;
  /** Slab growth factor (-f). */
  growthFactor: number;
  /** Minimum key+value space of the smallest chunk (-n). */
  slabMinSize: number;
  /** 0 quiet, 1 = -v, 2 = -vv, 3 = -vvv. */
  verbosity: number;
  // Monitoring settings: present only when given (absent = the default in config/defaults.ts),
  // so a Config built by hand (tests, embedders) needs none of them.
  /** --log-format: `text` lines or one JSON object per line (default text). */
  logFormat?: 'text' | 'json';
  /** Slow log: commands taking at least this many µs from dispatch to reply; negative = off, 0 = every command. */
  slowlogThresholdUs?: number;
  /** Slow log entries kept (the oldest go first). */
  slowlogMaxLen?: number;
  /** --hotkeys: count the most requested keys per shard (`stats hotkeys`, INFO hotkeys); default on. */
  hotKeys?: boolean;
  /** -D: the key prefix delimiter of `stats detail` (one character); given = per-prefix stats on from the start, as memcached's -D. */
  prefixDelimiter?: string;
  // Hardening limits: present only when given (absent = the default in config/defaults.ts).
  /** --shard-timeout: a shard that answers no batch for this long is restarted; 0 = no watchdog. */
  shardTimeoutSeconds?: number;
  /** --max-output-buffer: unsent bytes that disconnect a client, and the largest multi-key reply; 0 = no limit. */
  maxOutputBufferBytes?: number;
  /** --max-keys-per-get: keys one memcached get/gets/gat/gats may name. */
  maxKeysPerGet?: number;
  /** --proto-max-bulk-len: largest RESP bulk argument (Redis's proto-max-bulk-len). */
  protoMaxBulkLen?: number;
  /** --max-multibulk-len: most arguments in one RESP request. */
  maxMultibulkLen?: number;
  /** -A: allow the `shutdown` command. */
  enableShutdown: boolean;
  /** -S: binary connections must authenticate with SASL PLAIN before any other command. */
  enableSasl: boolean;
  /**
   * -Y: the `user:password` file. Enables memcached's ascii authentication on
   * text connections, and is the credential source for SASL (-S).
   */
  authFile: string | null;
  // The three Redis-auth fields are absent when not given (rather than null/false), so a
  // Config written out in full before they existed still describes a daemon without them.
  /** --requirepass: the Redis port's default user's password; absent = none. */
  requirePass?: string;
  /** --acl-file: Redis ACL users for the Redis port (read at start, on SIGHUP and ACL LOAD); absent = none. */
  aclFile?: string;
  /**
   * --unsafe-no-auth: start even though a non-loopback listener serves a
   * protocol with no authentication configured (protected mode off; see protected-mode.ts).
   */
  unsafeNoAuth?: boolean;
}
