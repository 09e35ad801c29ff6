import { defineConfig } from 'vitest/config';

/**
 * Two projects: "embedded" runs every test on the embedded log; "kafka" runs the worker, DSL and
 * connector tests that go through a LogClient again on the KafkaClient (kafkajs) against a
 * `sluice broker` started by the test (test/support/log.ts), with the same assertions.
 */
const overKafka = [
  'test/worker/app.test.ts',
  'test/worker/at-least-once.test.ts',
  'test/worker/commit-refused.test.ts',
  'test/worker/multi-topic.test.ts',
  'test/worker/route-topics.test.ts',
  'test/processors/restore.test.ts',
  'test/processors/joins.test.ts',
  'test/processors/crash-aggregation.test.ts',
  'test/processors/redis-aggregate.test.ts',
  'test/connectors/file.test.ts',
  'test/connectors/http-source.test.ts',
  'test/connectors/http-sink.test.ts',
  'test/connectors/redis-sink.test.ts',
  'test/connectors/postgres-sink.test.ts',
  'test/connectors/postgres-cdc.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Every test file removes what it made, even when it fails (test/support/setup.ts, cleanup.ts),
    // and the run fails when something is left: a process or anything in its TMPDIR (leak-check.ts).
    setupFiles: ['test/support/setup.ts'],
    globalSetup: ['test/support/leak-check.ts'],
    hookTimeout: 120_000,
    // Integration tests spawn processes and servers; two cores do not like many at once.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    projects: [
      { extends: true, test: { name: 'embedded', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'kafka', include: overKafka, env: { SLUICE_TEST_CLIENT: 'kafka' } } },
    ],
  },
});
