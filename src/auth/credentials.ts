/**
 * The `user:password` file behind -Y (ascii auth) and -S (SASL PLAIN). Read
 * at start-up and on SIGHUP (`replaceWith`); passwords are compared in constant time and never appear
 * in an error message or a log line. Knows nothing of protocols or sockets.
 */
import { readFileSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';

/** memcached's authfile.c limits: lines of at most 256 characters. */
const MAX_LINE_LENGTH = 256;
/** A bound on the file so a wrong path (a log, a dump) is refused instead of loaded. */
const MAX_ENTRIES = 10_000;

export class CredentialsError extends Error {}

export class Credentials {
  /** user → SHA-256 of the password: equal-length digests make the comparison constant-time. */
  private readonly digests = new Map<string, Buffer>();

  private constructor() {}

  /** Parses file text: one `user:password` per line; blank lines and `#` comments are skipped. */
  static parse(text: string, origin = 'auth file'): Credentials {
    const credentials = new Credentials();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '' || line.startsWith('#')) continue;
      if (line.length > MAX_LINE_LENGTH) throw new CredentialsError(`${origin}: line ${i + 1} is longer than ${MAX_LINE_LENGTH} characters`);
      const colon = line.indexOf(':');
      // The line number only: the line itself holds a password.
      if (colon <= 0 || colon === line.length - 1) throw new CredentialsError(`${origin}: line ${i + 1} is not user:password`);
      const user = line.slice(0, colon);
      if (/[\s]/.test(user)) throw new CredentialsError(`${origin}: line ${i + 1}: a user name may not contain spaces`);
      credentials.digests.set(user, digest(Buffer.from(line.slice(colon + 1), 'utf8')));
      if (credentials.digests.size > MAX_ENTRIES) throw new CredentialsError(`${origin}: more than ${MAX_ENTRIES} entries`);
    }
    if (credentials.digests.size === 0) throw new CredentialsError(`${origin}: no user:password lines`);
    return credentials;
  }

  /** @throws CredentialsError when the file cannot be read or parsed. */
  static load(path: string): Credentials {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CredentialsError(`cannot read auth file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return Credentials.parse(text, `auth file ${path}`);
  }

  /** SIGHUP: take `other`'s entries in place, so every holder of this object sees the new file. */
  replaceWith(other: Credentials): void {
    this.digests.clear();
    for (const [user, digest] of other.digests) this.digests.set(user, digest);
  }

  get size(): number {
    return this.digests.size;
  }

  /** True when `user` exists and `password` is its password (bytes, so binary SASL needs no decoding). */
  verify(user: string, password: Uint8Array): boolean {
    const expected = this.digests.get(user);
    const given = digest(password);
    // Compare even for an unknown user so timing does not reveal which users exist.
    return timingSafeEqual(expected ?? given.map((b) => b ^ 0xff), given) && expected !== undefined;
  }
}

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
