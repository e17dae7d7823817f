// `npm run mutate:hardening -- <scope>`-style runs of the 0.6 hardening's modules against the suites that specify
// them: MUTATE_SCOPE=notification | encryptor | wire npx stryker run stryker.hardening.config.mjs
//
// Test files are chosen through vitest's `include` (vitest.scoped.config.ts), not Stryker's `testFiles`: with
// `testFiles`, a static mutant (one in code that runs when a module loads, such as Wire's constructor defaults) was
// run against no test at all and reported as surviving.
import base from "./stryker.config.mjs"

const scopes = {
  notification: {
    mutate: ["src/NotificationStore.ts", "src/notification/**/*.ts"],
    tests: [
      "test/notification.test.ts",
      "test/notification-http.test.ts",
      "test/notification-recovery.test.ts",
      "test/notification-store.test.ts",
      "test/hardening-0.6-notification.test.ts",
      "test/notification-lazy.test.ts"
    ],
    ignoreStatic: true
  },
  encryptor: {
    mutate: ["src/Encryptor.ts", "src/internal/keys.ts:156-182"],
    tests: ["test/encryptor.test.ts", "test/phone-members.test.ts", "test/config.test.ts"],
    ignoreStatic: true
  },
  // Wire's rules are mostly constructor defaults and bounds evaluated when the declarations load: static mutants.
  // Measured at 0.6.0 (35 min): a static mutant is not reliably re-evaluated by the vitest runner (`rfc3339 = () =>
  // undefined`, which breaks every module that declares a time, "survived"), so read the non-static score. The
  // activity, phone and template suites cover rfc3339, secret and code-point counting, which the first run missed.
  wire: {
    mutate: ["src/Wire.ts"],
    tests: [
      "test/hardening-0.6-wire.test.ts",
      "test/limits.test.ts",
      "test/mutation-wire.test.ts",
      "test/response-schemas.test.ts",
      "test/activities.test.ts",
      "test/phone-members.test.ts",
      "test/card-templates.test.ts"
    ],
    ignoreStatic: false
  }
}

const name = process.env.MUTATE_SCOPE ?? "wire"
const scope = scopes[name]
if (scope === undefined) throw new Error(`MUTATE_SCOPE must be one of ${Object.keys(scopes).join(", ")}`)
process.env.MUTATE_TESTS = scope.tests.join(",")

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base,
  mutate: scope.mutate,
  vitest: { configFile: "vitest.scoped.config.ts", related: false },
  ignoreStatic: scope.ignoreStatic,
  tempDirName: `.stryker-tmp-${name}`,
  htmlReporter: { fileName: `reports/mutation-${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation-${name}/mutation.json` },
  incrementalFile: `reports/mutation-${name}/stryker-incremental.json`,
  incremental: false
}
