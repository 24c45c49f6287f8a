/**
 * How each option's text becomes a value: one small parser per kind of value,
 * each returning the value or the reason it was rejected (the reason quotes the
 * text and says what is accepted). `load.ts` puts the flag in front.
 * May import only node built-ins and config/defaults.
 */

import { isIP } from 'node:net';
import { GIB, KIB, LIMITS, MIB } from './defaults';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (reason: string): Parsed<never> => ({ ok: false, reason });
const quote = (text: string): string => JSON.stringify(text);

const UNITS: Readonly<Record<string, number>> = { k: KIB, m: MIB, g: GIB };

/** An unsigned decimal integer in [min, max]. */
export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  const range = `${min} to ${max}`;
  if (!/^\d+$/.test(text)) return fail(`${quote(text)} is not a whole number (${range})`);
  const value = Number(text);
  if (value < min || value > max) return fail(`${quote(text)} is out of range (${range})`);
  return ok(value);
}

export function parsePort(text: string): Parsed<number> {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 65535)) return fail(`${quote(text)} is not a port number (0 to 65535)`);
  return ok(value);
}

/** memcached's -U: we take only 0, so a config written for memcached fails loudly instead of silently. */
export function parseUdpPort(text: string): Parsed<0> {
  if (/^0+$/.test(text)) return ok(0);
  return fail(`UDP is not supported; only 0 (off) is accepted, not ${quote(text)}`);
}

export interface SizeRule {
  /** Unit of a bare number: 1 for bytes (-I), MIB for megabytes (-m). */
  readonly bareUnit: number;
  /** Accepted suffixes, lower case. */
  readonly suffixes: readonly ('k' | 'm' | 'g')[];
  readonly min: number;
  readonly max: number;
  /** How to use the option, for the rejection message: "use a number with an optional k/m suffix". */
  readonly usage: string;
}

export const ITEM_SIZE_RULE: SizeRule = {
  bareUnit: 1,
  suffixes: ['k', 'm'],
  min: LIMITS.minItemSize,
  max: LIMITS.maxItemSize,
  usage: 'use a number with an optional k/m suffix',
};

export const MEMORY_LIMIT_RULE: SizeRule = {
  bareUnit: MIB,
  suffixes: ['k', 'm', 'g'],
  min: LIMITS.minMemoryLimitBytes,
  max: LIMITS.maxMemoryLimitBytes,
  usage: 'use megabytes, a number with a k/m/g suffix such as 512k or 2g, or auto',
};

/** --max-output-buffer: bytes with an optional k/m/g suffix; 0 (no limit) is handled by parseOutputBufferSize. */
export const OUTPUT_BUFFER_RULE: SizeRule = {
  bareUnit: 1,
  suffixes: ['k', 'm', 'g'],
  min: 64 * KIB,
  max: 4 * GIB,
  usage: 'use bytes with an optional k/m/g suffix, or 0 for no limit',
};

/** --proto-max-bulk-len: bytes with an optional k/m/g suffix, up to Redis's default of 512 MB. */
export const BULK_LENGTH_RULE: SizeRule = {
  bareUnit: 1,
  suffixes: ['k', 'm', 'g'],
  min: KIB,
  max: 512 * MIB,
  usage: 'use bytes with an optional k/m/g suffix',
};

/** A size by OUTPUT_BUFFER_RULE, or 0 = no limit. */
export function parseOutputBufferSize(text: string): Parsed<number> {
  return /^0+$/.test(text) ? ok(0) : parseSize(text, OUTPUT_BUFFER_RULE);
}

/** `64`, `512k`, `64m`, `2g` (suffixes case-insensitive) → bytes. */
export function parseSize(text: string, rule: SizeRule): Parsed<number> {
  const range = `${formatSize(rule.min)} to ${formatSize(rule.max)}`;
  const match = /^(\d+)([a-z]?)$/i.exec(text);
  const suffix = match?.[2]?.toLowerCase() ?? '';
  const unit = suffix === '' ? rule.bareUnit : (rule.suffixes as readonly string[]).includes(suffix) ? UNITS[suffix] : undefined;
  if (match === null || unit === undefined) return fail(`${quote(text)} is not a size (${rule.usage}, ${range})`);
  const value = Number(match[1]) * unit;
  if (!(value >= rule.min && value <= rule.max)) return fail(`${quote(text)} is out of range (${range})`);
  return ok(value);
}

/** Bytes in the shortest exact k/m/g form (`1m`, `1536k`), else `N bytes`. */
export function formatSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [suffix, unit] of [['g', GIB], ['m', MIB], ['k', KIB]] as const) {
    if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return `${bytes} bytes`;
}

/** A plain decimal greater than 1 (memcached: "Factor must be greater than 1"). */
export function parseGrowthFactor(text: string): Parsed<number> {
  if (!/^\d+(\.\d+)?$/.test(text)) return fail(`${quote(text)} is not a number (a decimal greater than 1, e.g. 1.25)`);
  const value = Number(text);
  if (!(value > 1) || !Number.isFinite(value)) return fail(`${quote(text)} must be greater than 1`);
  return ok(value);
}

/** Octal like memcached's `strtol(optarg, NULL, 8)`: `700`, `0700`, `0o700`; at most 0777. */
export function parseUnixMask(text: string): Parsed<number> {
  const digits = /^(?:0o)?([0-7]{1,4})$/i.exec(text)?.[1];
  const value = digits === undefined ? NaN : parseInt(digits, 8);
  if (!(value <= LIMITS.maxUnixMask)) return fail(`${quote(text)} is not an octal mask (0 to 777, e.g. 700)`);
  return ok(value);
}

export function parseUnixSocket(text: string): Parsed<string> {
  if (text === '' || text.includes('\0')) return fail(`${quote(text)} is not a socket path`);
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.maxUnixSocketPathBytes) {
    return fail(`${quote(text)} is ${bytes} bytes long; a UNIX socket path may be at most ${LIMITS.maxUnixSocketPathBytes}`);
  }
  return ok(text);
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * A comma list of interfaces: IPv4, IPv6 (bare or in brackets) or host names,
 * trimmed and de-duplicated in order. memcached's `addr:port` form is refused
 * with a pointer to -p rather than misread.
 */
export function parseListen(text: string): Parsed<string[]> {
  const hosts: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const host = /^\[(.*)\]$/.exec(item)?.[1] ?? item;
    if (isIP(host) === 0 && (!HOST_NAME.test(host) || /^[\d.]+$/.test(host))) {
      const withPort = /^(\[.*\]|[^:]*):\d+$/.exec(item);
      if (withPort !== null) return fail(`${quote(item)}: a port per address is not supported; use --port`);
      return fail(`${quote(item)} is not an address (use IP addresses or host names, comma separated)`);
    }
    if (!hosts.includes(host)) hosts.push(host);
  }
  return ok(hosts);
}

/** An environment switch: `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`. */
export function parseBoolean(text: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return ok(true);
  if (['0', 'false', 'no', 'off'].includes(t)) return ok(false);
  return fail(`${quote(text)} is not a boolean (use 1/0, true/false, yes/no or on/off)`);
}

/** A file path (existence is checked when the file is read, so the message can say why it failed). */
export function parseFilePath(text: string): Parsed<string> {
  if (text === '' || text.includes('\0')) return fail(`${quote(text)} is not a file path`);
  return ok(text);
}

/** A password (--requirepass): any non-empty text; it is never quoted back in a message. */
export function parsePassword(text: string): Parsed<string> {
  if (text === '') return fail('the password is empty (omit the option for no password)');
  return ok(text);
}

/** `host:port,host:port` (or `host|ip|port` items); kept as text, checked here so a typo fails start-up. */
export function parseClusterNodesOption(text: string): Parsed<string> {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return fail(`${quote(text)} lists no nodes (use host:port,host:port)`);
  for (const item of items) {
    const m = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5})|\|[^|]*\|(\d{1,5}))$/.exec(item);
    const port = Number(m?.[1] ?? m?.[2]);
    if (m === null || !(port >= 1 && port <= 65535)) return fail(`${quote(item)} is not host:port or host|ip|port`);
  }
  return ok(items.join(','));
}

/** A DNS name (labels of letters, digits, `-`, `_` for SRV service labels). */
export function parseDnsName(text: string): Parsed<string> {
  if (!/^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/.test(text)) {
    return fail(`${quote(text)} is not a DNS name`);
  }
  return ok(text);
}

/** A decimal integer that may be negative, in [min, max]. */
export function parseSignedInteger(text: string, min: number, max: number): Parsed<number> {
  const range = `${min} to ${max}`;
  if (!/^-?\d+$/.test(text)) return fail(`${quote(text)} is not a whole number (${range})`);
  const value = Number(text);
  if (value < min || value > max) return fail(`${quote(text)} is out of range (${range})`);
  return ok(value);
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(text: string, choices: readonly T[]): Parsed<T> {
  const found = choices.find((c) => c === text.trim().toLowerCase());
  return found === undefined ? fail(`${quote(text)} is not one of ${choices.join(', ')}`) : ok(found);
}

/** memcached's -D: the first character of the text is the delimiter; empty is "No delimiter specified". */
export function parseDelimiter(text: string): Parsed<string> {
  if (text === '') return fail('no delimiter specified');
  return ok(text[0]!);
}
