/** Unit tests import TypeScript from src/ through ts-jest (transpile only: `npm test` type-checks with tsc first).
 *  Integration tests start the compiled daemon (dist/) as a child process and talk to it over real sockets. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 30000,
};
