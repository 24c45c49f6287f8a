/**
 * Key material for the TLS ports, read from the files named by --tls-cert,
 * --tls-key and --tls-ca: at start (an unreadable or mismatched file stops
 * start-up) and again on SIGHUP, when new connections get the new context
 * and existing ones keep theirs.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import type { TlsConfig } from '../config/config';

export class TlsMaterialError extends Error {}

export interface TlsServerOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** With a CA: ask for a client certificate and refuse connections without a valid one. */
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TlsMaterialError(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Reads and checks the files (the key must match the certificate). */
export function loadTlsMaterial(config: TlsConfig): TlsServerOptions {
  const options: TlsServerOptions = {
    cert: readPem(config.certFile, 'certificate'),
    key: readPem(config.keyFile, 'key'),
    requestCert: config.caFile !== null,
    rejectUnauthorized: config.caFile !== null,
  };
  if (config.caFile !== null) options.ca = readPem(config.caFile, 'CA bundle');
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new TlsMaterialError(`the TLS certificate and key do not make a usable context: ${(err as Error).message}`);
  }
  return options;
}
