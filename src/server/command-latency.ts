/**
 * `shardcache_command_duration_seconds{protocol,command}`: per protocol, the
 * bounded set of command labels (memcached's command words, the binary
 * opcode table's names, the RESP command table's names; anything else is
 * `other`) and one BucketHistogram with a series per label. The slow log's
 * CommandTimer records into it: dispatch to reply ready, on the same
 * once-per-event-loop-run clock (slowlog.ts `turnClock`).
 *
 * May import protocol command tables and util only; not sockets, shards,
 * the store or prom-client.
 */
import { BINARY_OPCODES } from '../protocol/memcache-binary/opcodes';
import type { MemcacheTextRequest } from '../protocol/memcache/request';
import { RESP_COMMANDS } from '../protocol/resp/command-table';
import { BucketHistogram, LATENCY_BOUNDS_SECONDS, latencyBucket } from '../util/bucket-histogram';

export type LatencyProtocol = 'memcache_text' | 'memcache_binary' | 'resp';

/** The label of any command name outside a protocol's table. */
export const OTHER_COMMAND = 'other';

/** Every command word the memcached text parser emits a request for (classic and meta). */
const MEMCACHE_TEXT_COMMANDS: readonly string[] = [
  'get', 'gets', 'gat', 'gats',
  'set', 'add', 'replace', 'append', 'prepend', 'cas',
  'delete', 'incr', 'decr', 'touch',
  'mg', 'ms', 'md', 'ma', 'mn', 'me',
  'flush_all', 'stats', 'config', 'version', 'verbosity', 'quit', 'shutdown',
];

/** The name of a text request's command: the word the client sent (kinds with one command are named as the command). */
export function textCommandName(request: MemcacheTextRequest): string {
  switch (request.kind) {
    case 'retrieval':
    case 'storage':
    case 'arithmetic':
    case 'meta':
      return request.command;
    default:
      return request.kind;
  }
}

/** One protocol's histogram: a series per command label, `other` last. */
export class ProtocolLatency {
  readonly commands: readonly string[];
  readonly histogram: BucketHistogram;
  private readonly labelIndex: Map<string, number>;
  private readonly otherIndex: number;

  constructor(
    readonly protocol: LatencyProtocol,
    commandNames: readonly string[],
  ) {
    this.commands = [...new Set(commandNames.map((n) => n.toLowerCase())), OTHER_COMMAND];
    this.labelIndex = new Map(this.commands.map((name, i) => [name, i]));
    this.otherIndex = this.commands.length - 1;
    this.histogram = new BucketHistogram(LATENCY_BOUNDS_SECONDS, this.commands.length);
  }

  /** The series of a lower-case command name (the tables' own strings, so the lookup allocates nothing). */
  labelOf(name: string): number {
    return this.labelIndex.get(name) ?? this.otherIndex;
  }

  /** One command answered `ms` after dispatch (kept in ms; the scrape converts to seconds). */
  record(label: number, ms: number): void {
    this.histogram.add(label, latencyBucket(ms), ms);
  }
}

/** The three protocols' histograms; the daemon keeps one (in Observability) when the admin port is on. */
export class CommandLatency {
  readonly memcacheText = new ProtocolLatency('memcache_text', MEMCACHE_TEXT_COMMANDS);
  readonly memcacheBinary = new ProtocolLatency('memcache_binary', [...BINARY_OPCODES.values()].map((spec) => spec.name));
  readonly resp = new ProtocolLatency('resp', RESP_COMMANDS.map((spec) => spec.name));

  get all(): readonly ProtocolLatency[] {
    return [this.memcacheText, this.memcacheBinary, this.resp];
  }

  of(protocol: LatencyProtocol): ProtocolLatency {
    return protocol === 'memcache_text' ? this.memcacheText : protocol === 'memcache_binary' ? this.memcacheBinary : this.resp;
  }
}
