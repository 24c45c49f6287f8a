import { clusterInfoText, clusterNodesText, crc16, keySlot, nodeId, ownerOf, SLOT_COUNT, topology } from '../../../src/cluster/redis-topology';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('Redis Cluster hash slots', () => {
  it('uses CRC16-XMODEM (the check value of "123456789" is 0x31c3)', () => {
    expect(crc16(b('123456789'))).toBe(0x31c3);
  });

  it('agrees with redis-server 7.0.15 CLUSTER KEYSLOT', () => {
    const fromRedis: [string, number][] = [
      ['foo', 12182],
      ['bar', 5061],
      ['somekey', 11058],
      ['foo{hash_tag}', 2515],
      ['{user1000}.following', 3443],
      ['a{}b', 13694],
      ['中文', 13257],
    ];
    for (const [key, slot] of fromRedis) expect([key, keySlot(b(key))]).toEqual([key, slot]);
  });

  it('hashes only a non-empty {hash tag}', () => {
    expect(keySlot(b('{user1000}.following'))).toBe(keySlot(b('user1000')));
    expect(keySlot(b('{user1000}.followers'))).toBe(keySlot(b('{user1000}.following')));
    expect(keySlot(b('foo{}{bar}'))).toBe(crc16(b('foo{}{bar}')) % SLOT_COUNT);
    expect(keySlot(b('foo{{bar}}zap'))).toBe(keySlot(b('{bar')));
    expect(keySlot(b('foo{bar}{zap}'))).toBe(keySlot(b('bar')));
  });
});

describe('topology', () => {
  const nodes = topology([
    { host: 'a', ip: '10.0.0.1', port: 7000 },
    { host: 'b', ip: '10.0.0.2', port: 7000 },
    { host: 'c', ip: '', port: 7000 },
  ]);

  it('splits all 16384 slots evenly over the sorted nodes', () => {
    expect(nodes.map((n) => [n.slots.start, n.slots.end])).toEqual([
      [0, 5460],
      [5461, 10921],
      [10922, 16383],
    ]);
    for (const slot of [0, 5460, 5461, 10921, 10922, 16383]) {
      const owner = ownerOf(nodes, slot);
      expect(slot >= owner.slots.start && slot <= owner.slots.end).toBe(true);
    }
  });

  it('gives every node the same 40-hex id on every node', () => {
    expect(nodes[0]!.id).toMatch(/^[0-9a-f]{40}$/);
    expect(nodeId({ host: 'a', ip: 'whatever', port: 7000 })).toBe(nodes[0]!.id);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(3);
  });

  it('writes CLUSTER NODES and CLUSTER INFO as Redis does', () => {
    const text = clusterNodesText(nodes, nodes[1]!.id, 4);
    expect(text.split('\n')[1]).toBe(`${nodes[1]!.id} 10.0.0.2:7000@17000,b myself,master - 0 0 4 connected 5461-10921`);
    expect(text.split('\n')[2]).toBe(`${nodes[2]!.id} c:7000@17000,c master - 0 0 4 connected 10922-16383`);
    expect(clusterInfoText(nodes, 4)).toMatch(/^cluster_state:ok\r\ncluster_slots_assigned:16384\r\n/);
    expect(clusterInfoText(nodes, 4)).toContain('cluster_known_nodes:3\r\n');
  });

  it('puts each node\'s RESP port at the shared offset from its memcached port', () => {
    const offset = topology(nodes, -1000);
    expect(offset.map((n) => n.redisPort)).toEqual([6000, 6000, 6000]);
    expect(offset.map((n) => n.id)).toEqual(nodes.map((n) => n.id));
    expect(clusterNodesText(offset, null, 1).split('\n')[0]).toBe(`${nodes[0]!.id} 10.0.0.1:6000@16000,a master - 0 0 1 connected 0-5460`);
  });
});
