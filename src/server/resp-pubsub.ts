/**
 * Redis Pub/Sub on the main thread: the channel and pattern registry of one
 * daemon, and the SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE /
 * PUBLISH / PUBSUB commands. No shard is involved: messages are never stored.
 *
 * A message is rendered once per protocol version and queued on each
 * subscriber's reply queue behind the replies that subscriber is already
 * owed, so it arrives in the order Redis would send it. Subscribers that do
 * not read are cut off by the registry's `outputLimit` (Redis's
 * `client-output-buffer-limit pubsub`; RespSession.deliverPubSub applies it).
 *
 * May import `src/protocol/resp` and `src/server` modules; not sockets,
 * shards or the store.
 */
import { globMatchBytes } from '../protocol/resp/glob';
import { encodeReply, integerReply, resp, type RespValue, type RespVersion } from '../protocol/resp/reply-encoder';
import type { RespHandler, RespSession } from './resp-session';

/** A `client-output-buffer-limit` class: over `hardBytes`, or over `softBytes` for `softSeconds`, cuts the client off (0 = no limit). */
export interface OutputLimit {
  readonly hardBytes: number;
  readonly softBytes: number;
  readonly softSeconds: number;
}

/** Redis's default `client-output-buffer-limit pubsub 32mb 8mb 60`. */
export const DEFAULT_PUBSUB_OUTPUT_LIMIT: OutputLimit = {
  hardBytes: 32 * 1024 * 1024,
  softBytes: 8 * 1024 * 1024,
  softSeconds: 60,
};

/** What the registry needs from a subscribed connection. */
export interface Subscriber {
  /** latin1 channel name → the name's bytes. Insertion order = subscription order. */
  readonly channels: Map<string, Buffer>;
  readonly patterns: Map<string, Buffer>;
  /** Queues a message rendered for each protocol version. */
  deliverPubSub(message: RenderedMessage): void;
}

/** One published message, rendered lazily per protocol version. */
export class RenderedMessage {
  private readonly rendered: (Buffer | undefined)[] = [undefined, undefined];

  constructor(private readonly value: RespValue) {}

  bytes(version: RespVersion): Buffer {
    const index = version - 2;
    return (this.rendered[index] ??= encodeReply(this.value, version));
  }
}

interface PatternEntry {
  readonly pattern: Buffer;
  readonly subscribers: Set<Subscriber>;
}

const MESSAGE = resp.bulk('message');
const PMESSAGE = resp.bulk('pmessage');

export class PubSubRegistry {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private readonly patterns = new Map<string, PatternEntry>();
  /** Subscribers cut off for exceeding the output limits (INFO client_output_buffer_limit_disconnections). */
  outputLimitDisconnections = 0;
  /** The pubsub class of `client-output-buffer-limit` (CONFIG SET changes it). */
  outputLimit: OutputLimit = DEFAULT_PUBSUB_OUTPUT_LIMIT;

  subscribe(subscriber: Subscriber, channel: Buffer): void {
    const id = channel.toString('latin1');
    if (subscriber.channels.has(id)) return;
    subscriber.channels.set(id, channel);
    let subscribers = this.channels.get(id);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.channels.set(id, subscribers);
    }
    subscribers.add(subscriber);
  }

  /** False when the subscriber was not subscribed to it. */
  unsubscribe(subscriber: Subscriber, channel: Buffer): boolean {
    const id = channel.toString('latin1');
    if (!subscriber.channels.delete(id)) return false;
    const subscribers = this.channels.get(id);
    if (subscribers !== undefined) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) this.channels.delete(id);
    }
    return true;
  }

  psubscribe(subscriber: Subscriber, pattern: Buffer): void {
    const id = pattern.toString('latin1');
    if (subscriber.patterns.has(id)) return;
    subscriber.patterns.set(id, pattern);
    let entry = this.patterns.get(id);
    if (entry === undefined) {
      entry = { pattern, subscribers: new Set() };
      this.patterns.set(id, entry);
    }
    entry.subscribers.add(subscriber);
  }

  punsubscribe(subscriber: Subscriber, pattern: Buffer): boolean {
    const id = pattern.toString('latin1');
    if (!subscriber.patterns.delete(id)) return false;
    const entry = this.patterns.get(id);
    if (entry !== undefined) {
      entry.subscribers.delete(subscriber);
      if (entry.subscribers.size === 0) this.patterns.delete(id);
    }
    return true;
  }

  /** Drops every subscription of a closed connection, without replies. */
  dropSubscriber(subscriber: Subscriber): void {
    for (const channel of [...subscriber.channels.values()]) this.unsubscribe(subscriber, channel);
    for (const pattern of [...subscriber.patterns.values()]) this.punsubscribe(subscriber, pattern);
  }

  /** Delivers to channel subscribers, then to each matching pattern's; returns how many deliveries. */
  publish(channel: Buffer, message: Buffer): number {
    let receivers = 0;
    const subscribers = this.channels.get(channel.toString('latin1'));
    if (subscribers !== undefined) {
      const rendered = new RenderedMessage(resp.push([MESSAGE, resp.bulk(channel), resp.bulk(message)]));
      // Copy: a delivery over the output limit drops that subscriber from the set being walked.
      for (const subscriber of [...subscribers]) {
        subscriber.deliverPubSub(rendered);
        receivers++;
      }
    }
    for (const entry of this.patterns.values()) {
      if (!globMatchBytes(entry.pattern, channel)) continue;
      const rendered = new RenderedMessage(resp.push([PMESSAGE, resp.bulk(entry.pattern), resp.bulk(channel), resp.bulk(message)]));
      for (const subscriber of [...entry.subscribers]) {
        subscriber.deliverPubSub(rendered);
        receivers++;
      }
    }
    return receivers;
  }

  /** Channels with at least one subscriber, optionally filtered by a glob. */
  activeChannels(pattern: Buffer | null): Buffer[] {
    const names: Buffer[] = [];
    for (const id of this.channels.keys()) {
      const name = Buffer.from(id, 'latin1');
      if (pattern === null || globMatchBytes(pattern, name)) names.push(name);
    }
    return names;
  }

  subscriberCount(channel: Buffer): number {
    return this.channels.get(channel.toString('latin1'))?.size ?? 0;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Distinct patterns with a subscriber (Redis 7 counts patterns, not subscriptions). */
  get patternCount(): number {
    return this.patterns.size;
  }
}

// ---- commands ----

function confirmation(session: RespSession, kind: string, name: Buffer | null): Buffer {
  const value = resp.push([resp.bulk(kind), name === null ? resp.null : resp.bulk(name), resp.integer(session.subscriptionCount)]);
  return encodeReply(value, session.protocolVersion);
}

const subscribe: RespHandler = (session, args) => {
  for (let i = 1; i < args.length; i++) {
    session.state.pubsub.subscribe(session, args[i]!);
    session.reply(confirmation(session, 'subscribe', args[i]!));
  }
};

const psubscribe: RespHandler = (session, args) => {
  for (let i = 1; i < args.length; i++) {
    session.state.pubsub.psubscribe(session, args[i]!);
    session.reply(confirmation(session, 'psubscribe', args[i]!));
  }
};

/**
 * UNSUBSCRIBE / PUNSUBSCRIBE: one confirmation per name given (subscribed or
 * not); with no names, one per current subscription, or a single one with a
 * null name when there is none.
 */
function unsubscribeCommand(kind: 'unsubscribe' | 'punsubscribe'): RespHandler {
  return (session, args) => {
    const registry = session.state.pubsub;
    const remove = (name: Buffer): void => {
      if (kind === 'unsubscribe') registry.unsubscribe(session, name);
      else registry.punsubscribe(session, name);
    };
    let names = args.slice(1);
    if (names.length === 0) {
      names = [...(kind === 'unsubscribe' ? session.channels : session.patterns).values()];
      if (names.length === 0) return session.reply(confirmation(session, kind, null));
    }
    for (const name of names) {
      remove(name);
      session.reply(confirmation(session, kind, name));
    }
  };
}

const publish: RespHandler = (session, args) => {
  session.reply(integerReply(session.state.pubsub.publish(args[1]!, args[2]!)));
};

const pubsubChannels: RespHandler = (session, args) => {
  const channels = session.state.pubsub.activeChannels(args.length > 2 ? args[2]! : null);
  session.replyValue(resp.array(channels.map((c) => resp.bulk(c))));
};

const pubsubNumsub: RespHandler = (session, args) => {
  const registry = session.state.pubsub;
  const items: RespValue[] = [];
  for (let i = 2; i < args.length; i++) items.push(resp.bulk(args[i]!), resp.integer(registry.subscriberCount(args[i]!)));
  session.replyValue(resp.array(items));
};

const pubsubNumpat: RespHandler = (session) => session.reply(integerReply(session.state.pubsub.patternCount));

export const PUBSUB_HANDLERS: Record<string, RespHandler> = {
  subscribe,
  psubscribe,
  unsubscribe: unsubscribeCommand('unsubscribe'),
  punsubscribe: unsubscribeCommand('punsubscribe'),
  publish,
  'pubsub|channels': pubsubChannels,
  'pubsub|numsub': pubsubNumsub,
  'pubsub|numpat': pubsubNumpat,
};
