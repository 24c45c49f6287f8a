/**
 * Starts the compiled daemon with its Redis port on, and reads raw RESP
 * replies off a socket (counting complete top-level replies, RESP2 and RESP3).
 */
import { freePort, startDaemon, waitForPort, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

export interface RespDaemon extends RunningDaemon {
  redisPort: number;
}

export async function startRespDaemon(args: string[] = []): Promise<RespDaemon> {
  const redisPort = await freePort();
  const daemon = await startDaemon(['--redis-port', String(redisPort), ...args]);
  await waitForPort(redisPort, daemon.process);
  return Object.assign(daemon, { redisPort });
}

/** End offset of the RESP reply starting at `at`, or -1 when it is not complete yet. */
export function replyEnd(bytes: Buffer, at: number): number {
  if (at >= bytes.length) return -1;
  const lineEnd = bytes.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(bytes[at]!);
  const header = bytes.toString('latin1', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '$':
    case '=':
    case '!': {
      const length = Number(header);
      if (length < 0) return next;
      return bytes.length >= next + length + 2 ? next + length + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = Number(header) * (type === '%' ? 2 : 1);
      let pos = next;
      for (let i = 0; i < count; i++) {
        pos = replyEnd(bytes, pos);
        if (pos < 0) return -1;
      }
      return pos;
    }
    default:
      return next;
  }
}

export function countReplies(bytes: Buffer): number {
  let count = 0;
  for (let at = 0; at < bytes.length; count++) {
    at = replyEnd(bytes, at);
    if (at < 0) break;
  }
  return count;
}

/** Sends raw bytes and reads until `replies` complete replies arrived (or the peer closed). */
export async function exchange(client: RawClient, data: string | Buffer, replies = 1, timeoutMs = 5000): Promise<string> {
  client.send(data);
  const out = await client.readUntil((r) => countReplies(r) >= replies, timeoutMs);
  return out.toString('latin1');
}
