import { defineConfig } from 'vitest/config';

const globalSetup = ['test/support/global-setup.ts'];

// The SDK's notice that its 2027 releases need Node 22 would repeat in every test worker and in the
// global setup, which runs in this process.
const quietSdk = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
Object.assign(process.env, quietSdk);

export default defineConfig({
  test: {
    reporters: ['default'],
    env: quietSdk,
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
          globalSetup,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
