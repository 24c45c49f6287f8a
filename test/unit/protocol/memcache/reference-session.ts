/**
 * A test-only stand-in for connection + session + store: it feeds bytes to
 * MemcacheTextParser and answers the requests from a Map the way memcached
 * 1.6 does (-I 1m, CAS on, shutdown disabled), so the golden transcript in
 * test/fixtures/memcached/edge-cases.json can be replayed without a daemon.
 * It models only what the transcript exercises (no clock: exptime < 0 is
 * "already expired", anything else "not yet"). It is NOT the real session.
 */

import { MemcacheTextParser, DEFAULT_TEXT_PARSER_LIMITS } from '../../../../src/protocol/memcache/text-parser';
import type { MemcacheTextRequest, ParseErrorEvent, StorageRequest, TextParserLimits } from '../../../../src/protocol/memcache/request';
import { parseCUint64 } from '../../../../src/protocol/memcache/c-number';

/** memcached's per-item overhead against -I: 48 B header + 8 B CAS + key + 1 + CRLF (+4 B when flags != 0). */
const ITEM_MAX = 1024 * 1024;
const U64 = (1n << 64n) - 1n;

interface Item {
  flags: number;
  value: Buffer;
  cas: bigint;
  expired: boolean;
}

export class ReferenceSession {
  readonly out: Buffer[] = [];
  closed = false;
  readonly #items = new Map<string, Item>();
  #cas = 0n;
  readonly #parser: MemcacheTextParser;

  constructor(limits: TextParserLimits = DEFAULT_TEXT_PARSER_LIMITS) {
    this.#parser = new MemcacheTextParser(
      { onRequest: (r) => this.#onRequest(r), onError: (e) => this.#onError(e) },
      limits,
    );
  }

  push(chunk: Buffer): void {
    if (!this.closed) this.#parser.push(chunk);
  }

  reply(): Buffer {
    return Buffer.concat(this.out);
  }

  #write(text: string | Buffer, noreply = false): void {
    if (!noreply) this.out.push(typeof text === 'string' ? Buffer.from(text + '\r\n', 'latin1') : text);
  }

  #get(key: Buffer): Item | undefined {
    const it = this.#items.get(key.toString('latin1'));
    return it === undefined || it.expired ? undefined : it;
  }

  #put(key: Buffer, flags: number, value: Buffer, exptime: number): Item {
    const item = { flags, value, cas: ++this.#cas, expired: exptime < 0 };
    this.#items.set(key.toString('latin1'), item);
    return item;
  }

  #onError(e: ParseErrorEvent): void {
    if (e.unlinkKey !== undefined) this.#items.delete(e.unlinkKey.toString('latin1'));
    if (e.reply !== null) this.#write(e.reply);
    if (e.close) this.closed = true;
  }

  #onRequest(r: MemcacheTextRequest): void {
    switch (r.kind) {
      case 'retrieval': {
        const withCas = r.command === 'gets' || r.command === 'gats';
        for (const key of r.keys) {
          const it = this.#get(key);
          if (it === undefined) continue;
          const cas = withCas ? ` ${it.cas}` : '';
          this.out.push(Buffer.from(`VALUE ${key.toString('latin1')} ${it.flags} ${it.value.length}${cas}\r\n`, 'latin1'), it.value, Buffer.from('\r\n'));
          if ((r.command === 'gat' || r.command === 'gats') && r.exptime < 0) it.expired = true;
        }
        this.#write('END');
        return;
      }
      case 'storage':
        this.#store(r);
        return;
      case 'delete': {
        const found = this.#get(r.key) !== undefined;
        this.#items.delete(r.key.toString('latin1'));
        this.#write(found ? 'DELETED' : 'NOT_FOUND', r.noreply);
        return;
      }
      case 'arithmetic': {
        const it = this.#get(r.key);
        if (it === undefined) return this.#write('NOT_FOUND', r.noreply);
        const current = it.value.length === 0 ? null : parseCUint64(Buffer.concat([it.value, Buffer.from('\r\n')]), 0, it.value.length + 2);
        if (current === null) return this.#write('CLIENT_ERROR cannot increment or decrement non-numeric value', r.noreply);
        const next = r.command === 'incr' ? (current + r.delta) & U64 : current < r.delta ? 0n : current - r.delta;
        const text = next.toString();
        // Not longer than before: memcached rewrites in place, padding with spaces.
        it.value = text.length <= it.value.length ? Buffer.from(text.padEnd(it.value.length, ' ')) : Buffer.from(text);
        it.cas = ++this.#cas;
        return this.#write(text, r.noreply);
      }
      case 'touch': {
        const it = this.#get(r.key);
        if (it !== undefined && r.exptime < 0) it.expired = true;
        return this.#write(it !== undefined ? 'TOUCHED' : 'NOT_FOUND', r.noreply);
      }
      case 'flush_all':
        if (r.delay <= 0) this.#items.clear();
        return this.#write('OK', r.noreply);
      case 'verbosity':
        return this.#write('OK', r.noreply);
      case 'version':
        return this.#write('VERSION 1.6.18');
      case 'quit':
        this.closed = true;
        return;
      case 'stats': {
        if (r.args[0] === 'detail') return this.#write(r.args[1] === 'on' || r.args[1] === 'off' ? 'OK' : 'CLIENT_ERROR usage: stats detail on|off|dump');
        return this.#write(r.args.length === 0 ? 'END' : 'ERROR');
      }
      case 'shutdown':
        return this.#write('ERROR: shutdown not enabled');
    }
  }

  #store(r: StorageRequest): void {
    const size = 48 + 8 + r.key.length + 1 + r.value.length + 2 + (r.flags !== 0 ? 4 : 0);
    if (size > ITEM_MAX) {
      if (r.command === 'set') this.#items.delete(r.key.toString('latin1'));
      return this.#write('SERVER_ERROR object too large for cache', r.noreply);
    }
    const old = this.#get(r.key);
    let reply = 'STORED';
    switch (r.command) {
      case 'set':
        this.#put(r.key, r.flags, r.value, r.exptime);
        break;
      case 'add':
        if (old !== undefined) reply = 'NOT_STORED';
        else this.#put(r.key, r.flags, r.value, r.exptime);
        break;
      case 'replace':
        if (old === undefined) reply = 'NOT_STORED';
        else this.#put(r.key, r.flags, r.value, r.exptime);
        break;
      case 'append':
      case 'prepend':
        if (old === undefined) reply = 'NOT_STORED';
        else {
          const value = r.command === 'append' ? Buffer.concat([old.value, r.value]) : Buffer.concat([r.value, old.value]);
          this.#put(r.key, old.flags, value, old.expired ? -1 : 0);
        }
        break;
      case 'cas': {
        const want = (BigInt(r.casHigh) << 32n) | BigInt(r.casLow);
        if (old === undefined) reply = 'NOT_FOUND';
        else if (old.cas !== want) reply = 'EXISTS';
        else this.#put(r.key, r.flags, r.value, r.exptime);
        break;
      }
    }
    this.#write(reply, r.noreply);
  }
}
