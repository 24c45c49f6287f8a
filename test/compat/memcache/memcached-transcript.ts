/**
 * Replays a transcript recorded from Debian's memcached 1.6.18 (one request
 * at a time, each reply checked whole) against our daemon, and against that
 * real memcached where it is installed, so the recording itself is checked.
 * May import only test helpers; nothing of src/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitForPort } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

const MEMCACHED = '/usr/bin/memcached';

export const REAL_MEMCACHED_INSTALLED = fs.existsSync(MEMCACHED);

/** [request, memcached 1.6.18's exact reply]. */
export type Transcript = readonly (readonly [request: string, reply: string])[];

/**
 * Sends each request and expects its recorded reply, after `normalize` (for
 * what differs by design, e.g. CAS values), labelled with the request; then
 * checks that nothing more came back than the transcript says.
 */
export async function replayTranscript(port: number, transcript: Transcript, normalize = (reply: string): string => reply): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    for (const [request, expected] of transcript) {
      const reply = await client.requestExpecting(request, expected);
      expect([request, normalize(reply)]).toEqual([request, normalize(expected)]);
    }
    expect(await client.request('version\r\n')).toMatch(/^VERSION \S+\r\n$/);
  } finally {
    client.close();
  }
}

/** Runs `check` against a fresh real memcached (`-U 0`, loopback, a free port), killed by its PID afterwards. */
export async function withRealMemcached(check: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const child: ChildProcess = spawn(MEMCACHED, ['-u', 'nobody', '-U', '0', '-l', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  try {
    await waitForPort(port, child);
    await check(port);
  } finally {
    child.kill('SIGKILL');
  }
}
