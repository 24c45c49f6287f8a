/**
 * Renders the replies of memcached meta commands, byte for byte as memcached
 * 1.6.18 writes them (proto_text.c): the status code, then the return flags
 * in the order the request named them, then the data block. Returns null
 * where `q` suppresses the reply. The session fills in what the store said
 * (MetaItemFacts); this module knows nothing of shards or sockets.
 * May import only `protocol/common`, `util` and the memcache protocol modules.
 */

import type { MetaRequest } from './request';
import { u64ToDecimal } from './reply-encoder';

/** What a hit reports about the item (as of before the command for `h`, `l` and `Z`). */
export interface MetaItemFacts {
  clientFlags: number;
  casHigh: number;
  casLow: number;
  /** Length of the value, sent or not (`s`). */
  valueSize: number;
  /** Remaining TTL in whole seconds, -1 = never expires (`t`). */
  ttlSeconds: number;
  /** Seconds since the last access before this command (`l`). */
  idleSeconds: number;
  /** The item had been fetched before this command (`h`). */
  hitBefore: boolean;
  /** This client won the right to recache (`W`). */
  won: boolean;
  /** The item is stale (`X`). */
  stale: boolean;
  /** A win token had already been handed out before this command (`Z`). */
  winTokenSent: boolean;
}

/** `k<key>`: a base64 key is re-encoded and followed by ` b`, as memcached does. */
function keyFlag(request: MetaRequest): string {
  return request.base64Key ? ` k${request.key.toString('base64')} b` : ` k${request.key.toString('latin1')}`;
}

/** ` O…` and ` k…` in request order: all that memcached echoes on a miss (and on md). */
function opaqueAndKey(request: MetaRequest): string {
  let out = '';
  for (const flag of request.order) {
    if (flag === 'O') out += ` ${request.opaque!.toString('latin1')}`;
    else if (flag === 'k') out += keyFlag(request);
  }
  return out;
}

function withValue(header: string, value: Uint8Array | null): Buffer {
  if (value === null) return Buffer.from(`${header}\r\n`, 'latin1');
  const out = Buffer.allocUnsafe(header.length + 2 + value.length + 2);
  let at = out.write(header, 0, 'latin1');
  out[at++] = 13;
  out[at++] = 10;
  out.set(value, at);
  at += value.length;
  out[at++] = 13;
  out[at] = 10;
  return out;
}

export const META_NOOP_REPLY = Buffer.from('MN\r\n', 'latin1');

/** `mg` that found (or vivified) the item. `value` is null unless the request has `v`. */
export function renderMetaGetHit(request: MetaRequest, item: MetaItemFacts, value: Uint8Array | null): Buffer {
  let header = value !== null ? `VA ${value.length}` : 'HD';
  for (const flag of request.order) {
    switch (flag) {
      case 's':
        header += ` s${item.valueSize}`;
        break;
      case 't':
        header += ` t${item.ttlSeconds}`;
        break;
      case 'c':
        header += ` c${u64ToDecimal(item.casHigh, item.casLow)}`;
        break;
      case 'f':
        header += ` f${item.clientFlags}`;
        break;
      case 'l':
        header += ` l${item.idleSeconds}`;
        break;
      case 'h':
        header += item.hitBefore ? ' h1' : ' h0';
        break;
      case 'O':
        header += ` ${request.opaque!.toString('latin1')}`;
        break;
      case 'k':
        header += keyFlag(request);
        break;
    }
  }
  // memcached's order: Z (someone else holds the token), X (stale), W (you won).
  if (item.winTokenSent) header += ' Z';
  if (item.stale) header += ' X';
  if (item.won) header += ' W';
  return withValue(header, value);
}

/** `mg` miss: `EN` with `O`/`k`, or nothing under `q`. */
export function renderMetaGetMiss(request: MetaRequest): Buffer | null {
  if (request.quiet) return null;
  return Buffer.from(`EN${opaqueAndKey(request)}\r\n`, 'latin1');
}

export type MetaStoreCode = 'HD' | 'NS' | 'EX' | 'NF';

/**
 * `ms`: the code, then `O`, `k` and `c` in request order; `q` hides only HD.
 * `cas` is the stored item's CAS after HD and "0" otherwise (as memcached).
 */
export function renderMetaSet(request: MetaRequest, code: MetaStoreCode, casHigh: number, casLow: number): Buffer | null {
  if (code === 'HD' && request.quiet) return null;
  let line = code;
  for (const flag of request.order) {
    if (flag === 'O') line += ` ${request.opaque!.toString('latin1')}`;
    else if (flag === 'k') line += keyFlag(request);
    else if (flag === 'c') line += ` c${u64ToDecimal(casHigh, casLow)}`;
  }
  return Buffer.from(`${line}\r\n`, 'latin1');
}

/** `md`: the code with `O` and `k`; `q` hides only HD. */
export function renderMetaDelete(request: MetaRequest, code: 'HD' | 'NF' | 'EX'): Buffer | null {
  if (code === 'HD' && request.quiet) return null;
  return Buffer.from(`${code}${opaqueAndKey(request)}\r\n`, 'latin1');
}

/**
 * `ma` that changed or created the item: `VA <len>` (with `v`) or `HD`, then
 * `c`, `t`, `O`, `k` in request order, then the number. memcached's `q` hides
 * the reply of a change but not of a creation (`N`).
 */
export function renderMetaArithmeticDone(request: MetaRequest, digits: Uint8Array, item: MetaItemFacts, created: boolean): Buffer | null {
  if (request.quiet && !created) return null;
  let header = request.returnValue ? `VA ${digits.length}` : 'HD';
  for (const flag of request.order) {
    switch (flag) {
      case 'c':
        header += ` c${u64ToDecimal(item.casHigh, item.casLow)}`;
        break;
      case 't':
        header += ` t${item.ttlSeconds}`;
        break;
      case 'O':
        header += ` ${request.opaque!.toString('latin1')}`;
        break;
      case 'k':
        header += keyFlag(request);
        break;
    }
  }
  return withValue(header, request.returnValue ? digits : null);
}

/** `ma` without an item: NF (miss, no `N`), EX (CAS mismatch) or NS, with `O` and `k`; never hidden by `q`. */
export function renderMetaArithmeticFailed(request: MetaRequest, code: 'NF' | 'EX' | 'NS'): Buffer {
  return Buffer.from(`${code}${opaqueAndKey(request)}\r\n`, 'latin1');
}

/** What `me` prints about an item. */
export interface MetaDebugFacts {
  /**
   * memcached 1.6.18 prints `exp=` as now minus the expiry time: -1 for no
   * expiry, and a negative count of seconds left otherwise. Pass seconds left.
   */
  ttlSeconds: number;
  idleSeconds: number;
  casHigh: number;
  casLow: number;
  fetched: boolean;
  slabClassId: number;
  /** memcached's total item size (header, CAS, key, suffix, value, CRLF). */
  itemSize: number;
}

/** `me` hit: `ME <key> exp= la= cas= fetch= cls= size=`. */
export function renderMetaDebug(request: MetaRequest, facts: MetaDebugFacts): Buffer {
  const key = request.base64Key ? request.key.toString('base64') : request.key.toString('latin1');
  const exp = facts.ttlSeconds < 0 ? -1 : -facts.ttlSeconds;
  const cas = u64ToDecimal(facts.casHigh, facts.casLow);
  return Buffer.from(
    `ME ${key} exp=${exp} la=${facts.idleSeconds} cas=${cas} fetch=${facts.fetched ? 'yes' : 'no'} cls=${facts.slabClassId} size=${facts.itemSize}\r\n`,
    'latin1',
  );
}

export const META_DEBUG_MISS = Buffer.from('EN\r\n', 'latin1');
