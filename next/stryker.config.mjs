// Mutation testing of the core modules (`npm run mutate`, i.e. `stryker run`). Reports go to reports/mutation/,
// Stryker's sandboxes to .stryker-tmp/ (both ignored by git).
//
// The vitest runner transpiles TypeScript itself: no `tsc` step and no typescript checker (a mutant that does not
// type-check is still run; vitest does not care). One worker: the suite opens real sockets and measures real
// timeouts, and the machine is shared.
//
// A full run (~1,200 mutants, every test file) takes hours on two cores. For a quicker look at one module, narrow
// both sides, e.g.:
//   npx stryker run --mutate src/Verifier.ts --testFiles "test/Verifier.test.ts,test/golden.test.ts,test/mutation-protocol.test.ts"
// (5 modules × the 11 fast suites, without the reliability-* files, took ~37 min; an incremental re-run ~8 min).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.config.ts", related: false },
  mutate: [
    "src/Signer.ts",
    "src/Verifier.ts",
    "src/WechatPayClient.ts",
    "src/Endpoint.ts",
    "src/NodeTransport.ts",
    "src/HttpClientTransport.ts",
    "src/internal/protocol.ts",
    "src/internal/deadline.ts",
    "src/RetryPolicy.ts",
    "src/WechatPayError.ts"
  ],
  concurrency: 1,
  coverageAnalysis: "perTest",
  // Mutants in module-level code (constants, schemas) would need every test for each: not worth the hours.
  ignoreStatic: true,
  // Several tests wait on real sockets and timers; a loaded machine needs slack before a mutant counts as a hang.
  timeoutMS: 15_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json"
}
