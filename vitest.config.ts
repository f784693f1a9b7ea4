import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "services/**/*.test.ts", "mcp/**/*.test.ts", "cli/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration files share one database server; each uses a database of its own.
    fileParallelism: true,
  },
});
