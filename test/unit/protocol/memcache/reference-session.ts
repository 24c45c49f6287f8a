/**
 * A test-only stand-in for connection + session + store: it feeds bytes to
 * MemcacheTextParser and answers the requests from a Map the way memcached
 * 1.6.18 does (-I 1m, CAS on, shutdown disabled), so the golden transcripts in
 * test/fixtures/memcached/ (edge-cases.json, meta-cases.json) can be replayed
 * without a daemon. Several sessions may share one ReferenceStore (the
 * two-client meta cases). It models only what the transcripts exercise (no
 * clock: exptime < 0 is "already expired", a TTL stays what was set, items
 * were last accessed 0 s ago). It is NOT the real session.
 */

import { MemcacheTextParser, DEFAULT_TEXT_PARSER_LIMITS } from '../../../../src/protocol/memcache/text-parser';
import type { MemcacheTextRequest, MetaRequest, ParseErrorEvent, StorageRequest, TextParserLimits } from '../../../../src/protocol/memcache/request';
import { parseCUint64 } from '../../../../src/protocol/memcache/c-number';

/** memcached's per-item overhead against -I: 48 B header + 8 B CAS + key + 1 + CRLF (+4 B when flags != 0). */
const ITEM_MAX = 1024 * 1024;
const U64 = (1n << 64n) - 1n;

interface Item {
  flags: number;
  value: Buffer;
  cas: bigint;
  expired: boolean;
  /** Seconds left as set by the client (0 = never expires); the model has no clock. */
  ttl: number;
  fetched: boolean;
  stale: boolean;
  tokenSent: boolean;
  /** Stored by a meta command with `b`: mg's `k` re-encodes it. */
  keyBinary: boolean;
}

/** The items and CAS counter, shareable by several sessions (connections). */
export class ReferenceStore {
  readonly items = new Map<string, Item>();
  /** The last CAS handed out; a real server's counter is well past small values like 1. */
  constructor(public cas = 0n) {}
}

export class ReferenceSession {
  readonly out: Buffer[] = [];
  closed = false;
  readonly #items: Map<string, Item>;
  readonly #shared: ReferenceStore;
  readonly #parser: MemcacheTextParser;

  constructor(limits: TextParserLimits = DEFAULT_TEXT_PARSER_LIMITS, store: ReferenceStore = new ReferenceStore()) {
    this.#shared = store;
    this.#items = store.items;
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

  #put(key: Buffer, flags: number, value: Buffer, exptime: number, cas = 0n): Item {
    const item: Item = {
      flags,
      value,
      cas: cas !== 0n ? cas : ++this.#shared.cas,
      expired: exptime < 0,
      ttl: exptime > 0 ? exptime : 0,
      fetched: false,
      stale: false,
      tokenSent: false,
      keyBinary: false,
    };
    this.#items.set(key.toString('latin1'), item);
    return item;
  }

  /** A meta TTL token: negative expires at once, 0 never expires. */
  #setTtl(item: Item, ttl: number): void {
    if (ttl < 0) item.expired = true;
    else item.ttl = ttl;
  }

  #onError(e: ParseErrorEvent): void {
    if (e.unlinkKey !== undefined) this.#items.delete(e.unlinkKey.toString('latin1'));
    if (e.reply !== null) this.#write(e.reply);
    if (e.close) this.closed = true;
  }

  #onRequest(r: MemcacheTextRequest): void {
    switch (r.kind) {
      case 'meta': {
        const reply = this.#meta(r);
        const out = r.errorAfterExecution !== null ? `${r.errorAfterExecution}\r\n` : reply;
        if (out !== null) this.out.push(typeof out === 'string' ? Buffer.from(out, 'latin1') : out);
        return;
      }
      case 'retrieval': {
        const withCas = r.command === 'gets' || r.command === 'gats';
        for (const key of r.keys) {
          const it = this.#get(key);
          if (it === undefined) continue;
          const cas = withCas ? ` ${it.cas}` : '';
          this.out.push(Buffer.from(`VALUE ${key.toString('latin1')} ${it.flags} ${it.value.length}${cas}\r\n`, 'latin1'), it.value, Buffer.from('\r\n'));
          it.fetched = true;
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
        it.cas = ++this.#shared.cas;
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

  // ---- meta commands, as memcached 1.6.18 (plus E and md x from protocol.txt) ----

  #keyFlag(r: MetaRequest, binary: boolean): string {
    return binary ? ` k${r.key.toString('base64')} b` : ` k${r.key.toString('latin1')}`;
  }

  #opaqueAndKey(r: MetaRequest): string {
    let out = '';
    for (const f of r.order) {
      if (f === 'O') out += ` ${r.opaque!.toString('latin1')}`;
      if (f === 'k') out += this.#keyFlag(r, r.base64Key);
    }
    return out;
  }

  /** The reply (string or bytes), or null when `q` hides it. */
  #meta(r: MetaRequest): string | Buffer | null {
    switch (r.command) {
      case 'mn':
        return 'MN\r\n';
      case 'me': {
        const it = this.#get(r.key);
        if (it === undefined) return 'EN\r\n';
        const key = r.base64Key ? r.key.toString('base64') : r.key.toString('latin1');
        const size = 48 + 8 + r.key.length + 1 + it.value.length + 2 + (it.flags !== 0 ? 4 : 0);
        return `ME ${key} exp=${it.ttl === 0 ? -1 : -it.ttl} la=0 cas=${it.cas} fetch=${it.fetched ? 'yes' : 'no'} cls=1 size=${size}\r\n`;
      }
      case 'mg':
        return this.#metaGet(r);
      case 'ms':
        return this.#metaSet(r);
      case 'md':
        return this.#metaDelete(r);
      case 'ma':
        return this.#metaArithmetic(r);
    }
  }

  #metaGet(r: MetaRequest): string | Buffer | null {
    let it = this.#get(r.key);
    let created = false;
    if (it === undefined && r.vivifyTtl !== null) {
      it = this.#put(r.key, 0, Buffer.alloc(0), 0, r.newCas ?? 0n);
      this.#setTtl(it, r.vivifyTtl);
      created = true;
    }
    if (it === undefined) return r.quiet ? null : `EN${this.#opaqueAndKey(r)}\r\n`;
    if (r.ttl !== null) {
      // The item is still returned by this command; it is gone for the next one.
      if (r.ttl < 0) it.expired = true;
      else it.ttl = r.ttl;
    }
    let header = r.returnValue ? `VA ${it.value.length}` : 'HD';
    for (const f of r.order) {
      if (f === 's') header += ` s${it.value.length}`;
      else if (f === 't') header += ` t${it.ttl === 0 ? -1 : it.ttl}`;
      else if (f === 'c') header += ` c${it.cas}`;
      else if (f === 'f') header += ` f${it.flags}`;
      else if (f === 'l') header += ' l0';
      else if (f === 'h') header += it.fetched ? ' h1' : ' h0';
      else if (f === 'O') header += ` ${r.opaque!.toString('latin1')}`;
      else if (f === 'k') header += this.#keyFlag(r, it.keyBinary);
    }
    let won = created;
    if (r.recacheTtl !== null && !it.tokenSent && !created && it.ttl !== 0 && it.ttl < r.recacheTtl) won = true;
    if (it.tokenSent) header += ' Z';
    if (it.stale) {
      header += ' X';
      if (!it.tokenSent) won = true;
    }
    if (won) {
      header += ' W';
      it.tokenSent = true;
    }
    if (!r.noBump) it.fetched = true;
    if (!r.returnValue) return `${header}\r\n`;
    return Buffer.concat([Buffer.from(`${header}\r\n`, 'latin1'), it.value, Buffer.from('\r\n')]);
  }

  #metaSet(r: MetaRequest): string | null {
    const value = r.value!;
    const mode = r.mode ?? 'S';
    const casCommand = r.compareCas !== null && (mode === 'S' || mode === 'R');
    const old = this.#get(r.key);
    const store = (flags: number, data: Buffer, ttl: number): Item => {
      const item = this.#put(r.key, flags, data, 0, r.newCas ?? 0n);
      this.#setTtl(item, ttl);
      item.keyBinary = r.base64Key;
      return item;
    };
    let code = 'NS';
    let stored: Item | null = null;
    if (old !== undefined) {
      const given = r.compareCas ?? 0n;
      const match = given !== 0n && given === old.cas;
      const staleOk = given !== 0n && !match && r.invalidate && casCommand && given < old.cas;
      if (mode === 'E') code = 'NS';
      else if (casCommand) {
        if (match) stored = store(r.clientFlags, value, r.ttl ?? 0);
        else if (staleOk) {
          stored = store(r.clientFlags, value, old.ttl);
          stored.stale = true;
          stored.tokenSent = old.tokenSent;
        } else code = 'EX';
      } else if (mode === 'A' || mode === 'P') {
        if (given !== 0n && !match) code = 'EX';
        else stored = store(old.flags, mode === 'A' ? Buffer.concat([old.value, value]) : Buffer.concat([value, old.value]), old.ttl);
      } else stored = store(r.clientFlags, value, r.ttl ?? 0);
    } else if (mode === 'E' || (mode === 'S' && !casCommand)) {
      stored = store(r.clientFlags, value, r.ttl ?? 0);
    } else if (casCommand) {
      code = 'NF';
    }
    if (stored !== null) code = 'HD';
    if (code === 'HD' && r.quiet) return null;
    let line = code;
    for (const f of r.order) {
      if (f === 'O') line += ` ${r.opaque!.toString('latin1')}`;
      else if (f === 'k') line += this.#keyFlag(r, r.base64Key);
      else if (f === 'c') line += ` c${stored?.cas ?? 0n}`;
    }
    return `${line}\r\n`;
  }

  #metaDelete(r: MetaRequest): string | null {
    const it = this.#get(r.key);
    let code: string;
    if (it === undefined) code = 'NF';
    else if (r.compareCas !== null && it.cas !== r.compareCas) code = 'EX';
    else {
      code = 'HD';
      if (r.dropValue) {
        it.value = Buffer.alloc(0);
        it.flags = 0;
      }
      if (r.invalidate) {
        if (r.ttl !== null) this.#setTtl(it, r.ttl);
        it.stale = true;
        it.tokenSent = false;
        it.cas = r.newCas ?? ++this.#shared.cas;
      } else if (!r.dropValue) {
        this.#items.delete(r.key.toString('latin1'));
      }
    }
    if (code === 'HD' && r.quiet) return null;
    return `${code}${this.#opaqueAndKey(r)}\r\n`;
  }

  #metaArithmetic(r: MetaRequest): string | null {
    let it = this.#get(r.key);
    let created = false;
    let digits: string;
    if (it === undefined) {
      if (r.vivifyTtl === null) return `NF${this.#opaqueAndKey(r)}\r\n`;
      digits = r.initial.toString();
      it = this.#put(r.key, 0, Buffer.from(digits), 0, r.newCas ?? 0n);
      this.#setTtl(it, r.vivifyTtl);
      created = true;
    } else {
      const current = it.value.length === 0 ? null : parseCUint64(Buffer.concat([it.value, Buffer.from('\r\n')]), 0, it.value.length + 2);
      if (current === null) return 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n';
      if (r.compareCas !== null && r.compareCas !== 0n && r.compareCas !== it.cas) return `EX${this.#opaqueAndKey(r)}\r\n`;
      const decrement = r.mode === 'D' || r.mode === '-';
      const next = decrement ? (current < r.delta ? 0n : current - r.delta) : (current + r.delta) & U64;
      digits = next.toString();
      it.value = digits.length <= it.value.length ? Buffer.from(digits.padEnd(it.value.length, ' ')) : Buffer.from(digits);
      it.cas = r.newCas ?? ++this.#shared.cas;
    }
    if (r.ttl !== null) this.#setTtl(it, r.ttl);
    if (r.quiet && !created) return null;
    let header = r.returnValue ? `VA ${digits.length}` : 'HD';
    for (const f of r.order) {
      if (f === 'c') header += ` c${it.cas}`;
      else if (f === 't') header += ` t${it.ttl === 0 ? -1 : it.ttl}`;
      else if (f === 'O') header += ` ${r.opaque!.toString('latin1')}`;
      else if (f === 'k') header += this.#keyFlag(r, r.base64Key);
    }
    return r.returnValue ? `${header}\r\n${digits}\r\n` : `${header}\r\n`;
  }
}
