/**
 * Minimal leveled logger to stderr. Level 0 prints warnings and errors only;
 * -v adds connection-level events, -vv commands, -vvv internals (memcached's
 * meaning of -v). May import nothing.
 */
export class Logger {
  constructor(private readonly verbosity: number) {}

  error(message: string): void {
    process.stderr.write(`${new Date().toISOString()} error ${message}\n`);
  }

  warn(message: string): void {
    process.stderr.write(`${new Date().toISOString()} warn ${message}\n`);
  }

  info(message: string, level = 1): void {
    if (this.verbosity >= level) process.stderr.write(`${new Date().toISOString()} info ${message}\n`);
  }
}
