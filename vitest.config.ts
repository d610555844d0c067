import { defineConfig } from 'vitest/config';

const globalSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{bff,services,logs-shipper,scripts,infra}/**/*.test.ts',
            'test/architecture/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The browser tests load the front end's built pages.
          globalSetup: [...globalSetup, 'test/support/web-build.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
