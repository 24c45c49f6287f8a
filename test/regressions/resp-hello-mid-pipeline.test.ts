/**
 * Regression: a reply that the shards complete after a later `HELLO 3` in the
 * same pipeline was encoded in RESP3 (`_`) although its command was read under
 * RESP2. Each reply must use the protocol in force when its command was read.
 */
import { RawClient } from '../helpers/raw-client';
import { exchange, startRespDaemon, type RespDaemon } from '../compat/resp/resp-daemon';

describe('HELLO 3 in the middle of a pipeline', () => {
  let daemon: RespDaemon;
  beforeAll(async () => {
    daemon = await startRespDaemon();
  });
  afterAll(() => daemon.stop());

  it('keeps RESP2 for the replies of the commands read before it', async () => {
    const client = await RawClient.connect(daemon.redisPort);
    try {
      const reply = await exchange(client, 'GET nokey\r\nMGET a b\r\nSET k v GET\r\nGETDEL nokey\r\nHELLO 3\r\nGET nokey\r\n', 6);
      expect(reply.startsWith('$-1\r\n*2\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n%')).toBe(true);
      expect(reply.endsWith('_\r\n')).toBe(true);
    } finally {
      client.close();
    }
  });
});
