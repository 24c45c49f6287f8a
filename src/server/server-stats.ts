/**
 * Front-end counters (connections, bytes, flushes) kept on the main thread.
 * Shard counters are gathered separately and summed when `stats` is asked.
 */
export class ServerStats {
  currConnections = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  bytesRead = 0;
  bytesWritten = 0;
  cmdFlush = 0;
  /** Connections paused because their replies backed up (memcached's conn_yields is the nearest). */
  connYields = 0;
  /** Connections closed by the idle timeout (memcached's idle_kicks). */
  idleKicks = 0;
  /** Authentication attempts (ascii login `set`s, SASL auth/step) and the failed ones. */
  authCmds = 0;
  authErrors = 0;

  /** `stats reset`: the totals go back to 0; current counts (curr_connections) stay. */
  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.bytesRead = 0;
    this.bytesWritten = 0;
    this.cmdFlush = 0;
    this.connYields = 0;
    this.authCmds = 0;
    this.authErrors = 0;
  }
}
