/**
 * End-to-end tests: the built component inside the real sailor with a real RabbitMQ.
 * One broker for the whole run (globalSetup/globalTeardown); scenarios run one at a time
 * (`--runInBand` in package.json) because each forks a sailor and its timing matters.
 */
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  roots: ['<rootDir>/spec-e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/spec-e2e/harness/globalSetup.ts',
  globalTeardown: '<rootDir>/spec-e2e/harness/globalTeardown.ts',
  testTimeout: 60000,
};
