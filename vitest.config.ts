import { defineConfig } from "vitest/config";

// Two projects: `unit` (no database, starts in seconds: domain, policy, auth, use cases) and
// `integration` (real sockets against a real MongoDB-wire database that the global setup starts).
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["services/**/*.test.ts", "client/**/*.test.ts", "mcp/**/*.test.ts", "cli/**/*.test.ts", "test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          // Integration files share one database server; each uses a database of its own.
          fileParallelism: true,
        },
      },
    ],
  },
});
