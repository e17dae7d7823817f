import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

// The fast suites that drive the client and the endpoint compiler (mostly scripted transports, a few loopback ones):
// what `npm run mutate:client` runs for each mutant (about 10 s a mutant here). The reliability-* suites are left out.
export default mergeConfig(base, defineConfig({
  test: {
    include: [
      "test/review-0.2.0.test.ts",
      "test/mutation-wire.test.ts",
      "test/mutation-retry.test.ts",
      "test/golden.test.ts",
      "test/paging.test.ts"
    ]
  }
}))
