import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

// The fast suites that drive the client and the endpoint compiler (scripted transports, the in-process emulator and a
// few loopback ones): what `npm run mutate:client` runs for each mutant. The reliability-* suites are left out for time.
export default mergeConfig(base, defineConfig({
  test: {
    include: [
      "test/review-0.2.0.test.ts",
      "test/mutation-wire.test.ts",
      "test/mutation-retry.test.ts",
      "test/golden.test.ts",
      "test/MemberCard.test.ts",
      "test/hardening.test.ts",
      "test/limits.test.ts",
      "test/paging.test.ts",
      "test/tracing.test.ts",
      "test/phone-members.test.ts",
      "test/media.test.ts"
    ]
  }
}))
