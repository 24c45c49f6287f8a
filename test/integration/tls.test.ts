/**
 * The memcached protocols over TLS (--tls-port): a client that trusts our CA
 * talks to the daemon; mutual TLS refuses clients without a certificate; a
 * SIGHUP makes new connections get a replaced certificate. Certificates are
 * made here with Debian's openssl (skipped with a message when it is missing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { MAIN_JS, freePort, startDaemon, waitForPort, type RunningDaemon } from '../helpers/daemon';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const describeWithOpenssl = HAVE_OPENSSL ? describe : describe.skip;
if (!HAVE_OPENSSL) console.warn('tls.test: openssl is not installed (apt-get install openssl); TLS tests skipped');

interface Pki {
  dir: string;
  ca: string;
  caKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function makeCa(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-tls-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=shardcache test CA'], dir);
  return { dir, ca: path.join(dir, 'ca.pem'), caKey: path.join(dir, 'ca.key') };
}

/** A certificate for `cn` signed by the CA (SAN 127.0.0.1 for servers). */
function issue(pki: Pki, name: string, cn: string): { cert: string; key: string } {
  const ext = path.join(pki.dir, `${name}.ext`);
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], pki.dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', pki.ca, '-CAkey', pki.caKey, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext], pki.dir);
  return { cert: path.join(pki.dir, `${name}.pem`), key: path.join(pki.dir, `${name}.key`) };
}

/** Sends `request` over TLS and resolves with the reply and the server certificate's CN. */
function tlsRequest(port: number, request: string, options: tls.ConnectionOptions): Promise<{ reply: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => socket.write(request));
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) {
        const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
        socket.end();
        resolve({ reply, cn });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ reply, cn: '' }));
  });
}

describeWithOpenssl('TLS ports', () => {
  let pki: Pki;
  let daemon: RunningDaemon | null = null;

  beforeAll(() => {
    pki = makeCa();
  });

  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
  });

  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  it('serves the text protocol to a client that trusts the CA, and rejects one that does not', async () => {
    const server = issue(pki, 'server', 'first');
    const tlsPort = await freePort();
    daemon = await startDaemon(['--tls-port', String(tlsPort), '--tls-cert', server.cert, '--tls-key', server.key]);
    await waitForPort(tlsPort);
    const { reply, cn } = await tlsRequest(tlsPort, 'set k 0 0 2\r\nhi\r\n', { ca: fs.readFileSync(pki.ca) });
    expect([reply, cn]).toEqual(['STORED\r\n', 'first']);
    await expect(tlsRequest(tlsPort, 'version\r\n', {})).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('hands new connections a replaced certificate after SIGHUP', async () => {
    const first = issue(pki, 'server', 'first');
    const tlsPort = await freePort();
    daemon = await startDaemon(['--tls-port', String(tlsPort), '--tls-cert', first.cert, '--tls-key', first.key]);
    await waitForPort(tlsPort);
    expect((await tlsRequest(tlsPort, 'version\r\n', { ca: fs.readFileSync(pki.ca) })).cn).toBe('first');
    const second = issue(pki, 'second', 'second');
    fs.copyFileSync(second.cert, first.cert);
    fs.copyFileSync(second.key, first.key);
    daemon.process.kill('SIGHUP');
    let cn = '';
    for (let i = 0; i < 50 && cn !== 'second'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cn = (await tlsRequest(tlsPort, 'version\r\n', { ca: fs.readFileSync(pki.ca) })).cn;
    }
    expect(cn).toBe('second');
  });

  it('with --tls-ca, requires a client certificate signed by that CA', async () => {
    const server = issue(pki, 'server', 'first');
    const client = issue(pki, 'client', 'client');
    const tlsPort = await freePort();
    daemon = await startDaemon(['--tls-port', String(tlsPort), '--tls-cert', server.cert, '--tls-key', server.key, '--tls-ca', pki.ca]);
    await waitForPort(tlsPort);
    const ca = fs.readFileSync(pki.ca);
    const ok = await tlsRequest(tlsPort, 'version\r\n', { ca, cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) });
    expect(ok.reply).toMatch(/^VERSION /);
    const refused = await tlsRequest(tlsPort, 'version\r\n', { ca }).catch((err: Error) => ({ reply: err.message, cn: '' }));
    expect(refused.reply).not.toMatch(/^VERSION /);
  });

  it('answers a client that half-closes right after its request, and stops at once despite an unfinished handshake', async () => {
    const server = issue(pki, 'server', 'first');
    const tlsPort = await freePort();
    daemon = await startDaemon(['--tls-port', String(tlsPort), '--tls-cert', server.cert, '--tls-key', server.key]);
    await waitForPort(tlsPort);
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = tls.connect({ host: '127.0.0.1', port: tlsPort, ca: fs.readFileSync(pki.ca) }, () => socket.end('version\r\n'));
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^VERSION \S+\r\n$/);
    // A plain TCP peer that connects to the TLS port and never handshakes must not hold up SIGTERM.
    const net = await import('node:net');
    const idle = net.connect(tlsPort, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const started = Date.now();
    expect(await daemon.stop()).toBe(0);
    daemon = null;
    idle.destroy();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses to start with an unreadable certificate, naming the file', () => {
    const run = spawnSync(process.execPath, [MAIN_JS, '--tls-port', '1', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/cannot read the TLS certificate \/nonexistent\.pem: ENOENT/);
  });
});
