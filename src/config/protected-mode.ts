/**
 * Protected mode (Redis's idea, applied at start-up): the daemon refuses to
 * start when a listener on a non-loopback address serves a protocol that has
 * no authentication configured, unless --unsafe-no-auth says that is meant.
 *
 * - memcached port (and memcached over TLS): authenticated when --auth-file
 *   (-Y, ascii auth; with -S also SASL) is given; on the TLS port a client
 *   certificate CA (--tls-ca, mutual TLS) counts too.
 * - Redis port (and Redis over TLS): --requirepass or --acl-file; --tls-ca
 *   counts on the TLS port.
 * - Loopback: 127.0.0.0/8, ::1 (also written in full or IPv4-mapped) and the
 *   name `localhost`. A unix socket is not a network listener. Any other host
 *   name counts as non-loopback: it is resolved only when listening.
 * - The admin HTTP port (metrics, health) is not a cache protocol and is not considered.
 *
 * A leaf like the rest of config/: node built-ins only.
 */
import { BlockList, isIP } from 'node:net';
import type { Config } from './config';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackAddress(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

type ProtectedConfig = Pick<Config, 'listen' | 'port' | 'redisPort' | 'tls' | 'authFile' | 'requirePass' | 'aclFile' | 'unsafeNoAuth'>;

/**
 * Why protected mode refuses this configuration (one line naming the address,
 * the unprotected listeners and the ways out), or null when it may start.
 */
export function protectedModeViolation(config: ProtectedConfig): string | null {
  if (config.unsafeNoAuth === true) return null;
  const exposed = config.listen.filter((host) => !isLoopbackAddress(host));
  if (exposed.length === 0) return null;
  const memcachedAuth = config.authFile !== null;
  const redisAuth = config.requirePass !== undefined || config.aclFile !== undefined;
  const mutualTls = config.tls !== null && config.tls.caFile !== null;
  const open: string[] = [];
  if (config.port !== 0 && !memcachedAuth) open.push(`memcached port ${config.port} (no --auth-file/-Y)`);
  if (config.tls !== null && config.tls.port !== 0 && !memcachedAuth && !mutualTls) {
    open.push(`memcached TLS port ${config.tls.port} (no --auth-file/-Y or --tls-ca)`);
  }
  if (config.redisPort !== 0 && !redisAuth) open.push(`Redis port ${config.redisPort} (no --requirepass or --acl-file)`);
  if (config.tls !== null && config.tls.redisPort !== 0 && !redisAuth && !mutualTls) {
    open.push(`Redis TLS port ${config.tls.redisPort} (no --requirepass, --acl-file or --tls-ca)`);
  }
  if (open.length === 0) return null;
  return (
    `protected mode: refusing to listen on ${exposed.join(', ')} (not loopback) with no authentication on the ` +
    `${open.join(' and the ')}. Either configure authentication (memcached: --auth-file, with --enable-sasl for the ` +
    'binary protocol; Redis: --requirepass or --acl-file), or listen on 127.0.0.1, ::1 or a unix socket (-s) only, ' +
    'or, if only trusted clients can reach this network, pass --unsafe-no-auth (SHARDCACHE_UNSAFE_NO_AUTH=1)'
  );
}
