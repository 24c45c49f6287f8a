#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The shardcache executable: command line → Daemon, signals → graceful stop.
 * SIGTERM/SIGINT stop accepting, answer what was already read, close, exit 0;
 * a second signal exits at once. SIGHUP reloads TLS material and re-reads the
 * cluster membership source.
 */
import { CredentialsError } from './auth/credentials';
import { TlsMaterialError } from './server/tls-material';
import { parseCommandLine } from './config/load';
import { Daemon } from './daemon';
import { ConfigError, EX_SOFTWARE, EX_USAGE } from './errors';

async function main(): Promise<void> {
  let commandLine;
  try {
    commandLine = parseCommandLine(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`shardcache: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (commandLine.action !== 'run') {
    process.stdout.write(commandLine.text.endsWith('\n') ? commandLine.text : `${commandLine.text}\n`);
    return;
  }

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) {
      daemon.logger.warn(`${reason} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    daemon.logger.info(`${reason}: shutting down`);
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        daemon.logger.error(`shutdown failed: ${(err as Error).stack ?? String(err)}`);
        process.exit(EX_SOFTWARE);
      },
    );
  };

  let daemon: Daemon;
  try {
    daemon = new Daemon(commandLine.config, { onShutdownRequested: (reason) => stop(reason) });
  } catch (err) {
    if (err instanceof CredentialsError) {
      process.stderr.write(`shardcache: --auth-file: ${err.message}\n`);
      process.exit(EX_USAGE);
    }
    if (err instanceof TlsMaterialError) {
      process.stderr.write(`shardcache: ${err.message}\n`);
      process.exit(EX_USAGE);
    }
    throw err;
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    daemon.logger.info('SIGHUP: reloading');
    void daemon.reload();
  });
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`shardcache: cannot start: ${(err as Error).message}\n`);
    await daemon.stop().catch(() => undefined);
    process.exit(EX_SOFTWARE);
  }
}

void main();
