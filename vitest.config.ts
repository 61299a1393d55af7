import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One PostgreSQL server per run (tests/setup/postgres.ts), a migrated template cloned per test file.
// The faults project is the fault, bad-input and security suite; `npm test` runs every project.
export default defineConfig({
  test: {
    globalSetup: ['tests/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test files mostly wait on PostgreSQL and child processes: one more worker than cores (vitest's
    // default is one fewer, a single worker on a 2-core machine) halves the suite's time.
    maxWorkers: availableParallelism() + 1,
    // Every run shuffles the tests of each file (vitest prints the seed; --sequence.seed=N replays an
    // order), so no test can lean on rows an earlier one left; narratives say so (tests/helpers/in-order.ts).
    sequence: { shuffle: { files: false, tests: true } },
    projects: [
      { extends: true, test: { name: 'main', include: ['tests/**/*.test.ts'], exclude: ['tests/faults/**'] } },
      { extends: true, test: { name: 'faults', include: ['tests/faults/**/*.test.ts'] } },
    ],
  },
});
