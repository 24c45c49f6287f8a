import {
  ConfigError,
  EX_OSERR,
  EX_SOFTWARE,
  EX_USAGE,
  ShardcacheError,
  StartupError,
  codes,
  envVarName,
} from '../../../src/errors';

describe('error catalogue', () => {
  it('has exactly these codes (adding one means updating this list)', () => {
    expect(Object.keys(codes)).toEqual([
      'SC_ERR_CONFIG_INVALID',
      'SC_ERR_CONFIG_UNKNOWN_FLAG',
      'SC_ERR_CONFIG_MISSING_VALUE',
      'SC_ERR_CONFIG_UNEXPECTED_VALUE',
      'SC_ERR_CONFIG_UNEXPECTED_ARGUMENT',
      'SC_ERR_CONFIG_CONFLICT',
      'SC_ERR_CONFIG_UNSUPPORTED',
      'SC_ERR_LISTEN_FAILED',
      'SC_ERR_SHARD_START_FAILED',
    ]);
  });

  it.each(Object.entries(codes))('%s follows SC_ERR_<AREA>_<WHAT> and exposes its code', (key, ErrorClass) => {
    expect(key).toMatch(/^SC_ERR_[A-Z]+_[A-Z_]+$/);
    expect(ErrorClass.code).toBe(key);
  });

  it('builds config errors with the flag, the message and the exit status for main', () => {
    const err = new codes.SC_ERR_CONFIG_INVALID('--port', '"x" is not a port number (0 to 65535)');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(ShardcacheError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ConfigError', code: 'SC_ERR_CONFIG_INVALID', flag: '--port', exitCode: EX_USAGE });
    expect(err.message).toBe('--port: "x" is not a port number (0 to 65535)');
    expect(err.source).toBeUndefined();
  });

  it('names the environment variable when the value came from it', () => {
    const err = new codes.SC_ERR_CONFIG_INVALID('--max-item-size', 'bad', 'env');
    expect(err.message).toBe('--max-item-size (from SHARDCACHE_MAX_ITEM_SIZE): bad');
    expect(err.source).toBe('env');
  });

  it('keeps every message on one line', () => {
    expect(new codes.SC_ERR_CONFIG_CONFLICT('--x', 'a\nb\r\n  c').message).toBe('--x: a b c');
  });

  it('builds startup errors with sysexits statuses', () => {
    const listen = new codes.SC_ERR_LISTEN_FAILED('127.0.0.1:11211', 'EADDRINUSE');
    expect(listen).toBeInstanceOf(StartupError);
    expect(listen).toMatchObject({
      name: 'StartupError',
      code: 'SC_ERR_LISTEN_FAILED',
      exitCode: EX_OSERR,
      message: 'failed to listen on 127.0.0.1:11211: EADDRINUSE',
    });
    const shard = new codes.SC_ERR_SHARD_START_FAILED(3, 'worker exited');
    expect(shard).toMatchObject({ exitCode: EX_SOFTWARE, message: 'shard 3 failed to start: worker exited' });
  });

  it('derives environment variable names from long names', () => {
    expect(envVarName('port')).toBe('SHARDCACHE_PORT');
    expect(envVarName('slab-growth-factor')).toBe('SHARDCACHE_SLAB_GROWTH_FACTOR');
  });
});
