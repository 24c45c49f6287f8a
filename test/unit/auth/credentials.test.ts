import { Credentials, CredentialsError } from '../../../src/auth/credentials';

describe('Credentials', () => {
  const creds = Credentials.parse('# comment\nalice:secret\n\nbob:pa:ss word\r\n');

  it('accepts the right password and nothing else', () => {
    expect(creds.size).toBe(2);
    expect(creds.verify('alice', Buffer.from('secret'))).toBe(true);
    expect(creds.verify('alice', Buffer.from('Secret'))).toBe(false);
    expect(creds.verify('alice', Buffer.from(''))).toBe(false);
    expect(creds.verify('carol', Buffer.from('secret'))).toBe(false);
  });

  it('keeps everything after the first colon as the password', () => {
    expect(creds.verify('bob', Buffer.from('pa:ss word'))).toBe(true);
  });

  it.each([
    ['no colon', 'alice'],
    ['empty password', 'alice:'],
    ['empty user', ':secret'],
    ['no entries', '# only a comment\n'],
    ['overlong line', `alice:${'x'.repeat(300)}`],
  ])('refuses a file with %s, without echoing the line', (_name, text) => {
    let error: unknown;
    try {
      Credentials.parse(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).message).not.toContain('xxxx');
  });

  it('reports an unreadable file by path and error code', () => {
    expect(() => Credentials.load('/nonexistent/shardcache-auth')).toThrow(/ENOENT/);
  });
});
