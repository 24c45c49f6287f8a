/**
 * `--memory-limit auto`: the container's memory limit from its cgroup (v2
 * `memory.max`, v1 `memory.limit_in_bytes`), and the cache size that leaves
 * room for everything that is not cache: Node's heaps, the shard rings, socket
 * buffers. Reads files only; the root is a parameter so tests can fake it.
 * May import only node built-ins.
 */
import fs from 'node:fs';
import path from 'node:path';

const MIB = 1024 * 1024;
/** cgroup v1 reports "no limit" as a number near 2^63. */
const UNLIMITED_FROM = 2 ** 60;
/** Fixed overhead outside the cache: heaps, rings and buffers (measured RSS above -m is ~80 MB under storms). */
export const AUTO_HEADROOM_BYTES = 96 * MIB;
/** Per-item overhead grows with the cache: RSS stays under 1.1 × -m + the fixed part, so keep 15%. */
export const AUTO_CACHE_FRACTION = 1 / 1.15;

function readNumber(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
  if (text === 'max') return Infinity;
  const value = Number(text);
  if (!Number.isFinite(value)) return null;
  return value >= UNLIMITED_FROM ? Infinity : value;
}

/**
 * The memory limit of this process's cgroup in bytes, Infinity when there is
 * none, or null when no cgroup memory controller can be read.
 */
export function cgroupMemoryLimit(root = '/sys/fs/cgroup', procSelfCgroup = '/proc/self/cgroup'): number | null {
  const candidates: string[] = [];
  let membership = '';
  try {
    membership = fs.readFileSync(procSelfCgroup, 'utf8');
  } catch {
    // Not Linux, or /proc not mounted: look at the root only.
  }
  for (const line of membership.split('\n')) {
    const [, controllers, cgroupPath] = line.split(':');
    if (cgroupPath === undefined) continue;
    if (controllers === '') candidates.push(path.join(root, cgroupPath, 'memory.max'));
    else if (controllers!.split(',').includes('memory')) candidates.push(path.join(root, 'memory', cgroupPath, 'memory.limit_in_bytes'));
  }
  // Inside a container the namespace usually shows its own cgroup at the root.
  candidates.push(path.join(root, 'memory.max'), path.join(root, 'memory', 'memory.limit_in_bytes'));
  let limit: number | null = null;
  for (const file of candidates) {
    const value = readNumber(file);
    if (value !== null) limit = Math.min(limit ?? Infinity, value);
  }
  return limit;
}

/**
 * The cache size for a container limit: (limit − headroom) × fraction, in
 * whole MiB; null when the limit leaves less than `minimum`.
 */
export function autoCacheBytes(limitBytes: number, minimum: number): number | null {
  const bytes = Math.floor(((limitBytes - AUTO_HEADROOM_BYTES) * AUTO_CACHE_FRACTION) / MIB) * MIB;
  return bytes >= minimum ? bytes : null;
}
