// `npm run mutate:client`: the client pipeline and the endpoint compiler, against the fast suites that drive them
// (vitest.mutate.config.ts). The full `npm run mutate` covers every core module with every suite, and takes hours here.
import base from "./stryker.config.mjs"

export default {
  ...base,
  mutate: ["src/WechatPayClient.ts", "src/Endpoint.ts"],
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  htmlReporter: { fileName: "reports/mutation-client/index.html" },
  jsonReporter: { fileName: "reports/mutation-client/mutation.json" },
  incrementalFile: "reports/mutation-client/stryker-incremental.json"
}
