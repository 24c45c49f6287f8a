import {
  configGetClusterReply,
  legacyClusterGetReply,
  normalizeNodes,
  parseClusterFile,
  parseClusterNode,
  parseClusterNodeList,
} from '../../../src/cluster/cluster-node';

describe('config get cluster payload', () => {
  const nodes = normalizeNodes([
    { host: 'node-b.example', ip: '10.0.0.2', port: 11211 },
    { host: 'node-a.example', ip: '10.0.0.1', port: 11211 },
  ]);

  it("is ElastiCache's exact bytes, the length counting the payload only", () => {
    const payload = '7\nnode-a.example|10.0.0.1|11211 node-b.example|10.0.0.2|11211\n';
    expect(configGetClusterReply(7, nodes).toString('latin1')).toBe(`CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`);
    expect(payload.length).toBe(62);
  });

  it('has the legacy form as an item with the same payload', () => {
    const payload = '7\nnode-a.example|10.0.0.1|11211 node-b.example|10.0.0.2|11211\n';
    expect(legacyClusterGetReply(7, nodes).toString('latin1')).toBe(`VALUE AmazonElastiCache:cluster 0 62\r\n${payload}\r\nEND\r\n`);
  });

  it('keeps the pipes when the IP is unknown', () => {
    expect(configGetClusterReply(1, [{ host: 'h', ip: '', port: 1 }]).toString()).toBe('CONFIG cluster 0 7\r\n1\nh||1\n\r\nEND\r\n');
  });
});

describe('parsing members', () => {
  it('reads host:port, [v6]:port and host|ip|port; an IP literal is its own IP', () => {
    expect(parseClusterNode('cache-1:11211')).toEqual({ host: 'cache-1', ip: '', port: 11211 });
    expect(parseClusterNode('10.1.2.3:11212')).toEqual({ host: '10.1.2.3', ip: '10.1.2.3', port: 11212 });
    expect(parseClusterNode('[::1]:11211')).toEqual({ host: '::1', ip: '::1', port: 11211 });
    expect(parseClusterNode('a.example|10.0.0.9|11211')).toEqual({ host: 'a.example', ip: '10.0.0.9', port: 11211 });
    expect(parseClusterNode('a.example||11211')).toEqual({ host: 'a.example', ip: '', port: 11211 });
    expect(parseClusterNode('cache-1', 'x', 11311)).toEqual({ host: 'cache-1', ip: '', port: 11311 });
  });

  it.each(['', 'host:', 'host:0', 'host:70000', 'a|b', 'bad host:1', 'h|i|p|q'])('refuses %j', (text) => {
    expect(() => parseClusterNode(text)).toThrow();
  });

  it('reads a file with comments and blank lines, naming the bad line', () => {
    expect(parseClusterFile('# members\nb:2\n\na|1.2.3.4|3  # first\n')).toEqual([
      { host: 'b', ip: '', port: 2 },
      { host: 'a', ip: '1.2.3.4', port: 3 },
    ]);
    expect(() => parseClusterFile('a:1\nnope:\n')).toThrow(/line 2/);
  });

  it('sorts by host then port and drops duplicates, keeping the known IP', () => {
    expect(normalizeNodes(parseClusterNodeList('b:2,a:9,a:1,a.x|5.5.5.5|3,a.x:3'))).toEqual([
      { host: 'a', ip: '', port: 1 },
      { host: 'a', ip: '', port: 9 },
      { host: 'a.x', ip: '5.5.5.5', port: 3 },
      { host: 'b', ip: '', port: 2 },
    ]);
  });
});
