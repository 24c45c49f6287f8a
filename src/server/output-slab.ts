/**
 * Replies rendered in place. A small reply that is next in its connection's
 * order is written straight into one slab shared by the main thread's
 * connections, instead of into a buffer of its own that is then joined with
 * the turn's other replies. Shard replies arrive grouped by connection (a
 * batch holds each connection's requests in read order), so a connection's
 * replies of one turn are usually one contiguous run of the slab, written as
 * one view: one object per connection per turn instead of two per reply.
 *
 * A full slab is replaced, never reused: the views handed to sockets keep
 * their slab alive until the kernel has the bytes. A connection whose writes
 * back up pins at most the slabs its unsent runs lie in, and its unsent bytes
 * are bounded by the output limit (Connection.writeReply), so the slab size
 * bounds the extra memory per slow connection.
 */

/** 64 KiB: a few turns of a pipelined connection's small replies, yet little to pin per slow reader. */
export const OUTPUT_SLAB_BYTES = 64 * 1024;

/** Larger replies get a buffer of their own: a big value would waste the slab's tail and pin a slab alone. */
export const MAX_IN_PLACE_REPLY_BYTES = 8 * 1024;

export class OutputSlab {
  buffer: Buffer = Buffer.allocUnsafeSlow(OUTPUT_SLAB_BYTES);
  used = 0;

  /** The offset of `size` fresh bytes in `buffer` (a new slab when this one is full); size ≤ MAX_IN_PLACE_REPLY_BYTES. */
  claim(size: number): number {
    if (this.used + size > this.buffer.length) {
      this.buffer = Buffer.allocUnsafeSlow(OUTPUT_SLAB_BYTES);
      this.used = 0;
    }
    const at = this.used;
    this.used = at + size;
    return at;
  }
}
