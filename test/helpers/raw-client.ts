/**
 * A raw TCP client for byte-exact protocol tests: send bytes, then read until
 * the received bytes satisfy a predicate, the peer closes, or a timeout.
 */
import net from 'node:net';

export class RawClient {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until `done(received)` is true; returns and clears what was received. */
  async readUntil(done: (received: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received) && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const out = this.received;
    this.received = Buffer.alloc(0);
    return out;
  }

  /** Sends, then reads until the reply ends with `terminator` (default CRLF). */
  async request(data: string | Buffer, terminator = '\r\n', timeoutMs = 5000): Promise<string> {
    this.send(data);
    const reply = await this.readUntil((r) => r.toString('latin1').endsWith(terminator), timeoutMs);
    return reply.toString('latin1');
  }

  /** Sends, then reads until at least as many bytes as `expected` has arrived; returns them. */
  async requestExpecting(data: string | Buffer, expected: string, timeoutMs = 10000): Promise<string> {
    this.send(data);
    const reply = await this.readUntil((r) => r.length >= expected.length, timeoutMs);
    return reply.toString('latin1');
  }

  /** Reads for `ms` milliseconds and returns whatever arrived. */
  async readFor(ms: number): Promise<Buffer> {
    return this.readUntil(() => false, ms);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
