import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Schema from "effect/Schema"
import * as CliErr from "effect/cli/CliError"
import { exitCodeOf, fromCause, Interrupted, InvalidArguments, ListenError, reportOf } from "./src/cli/CliError.ts"
import * as WechatPayError from "./src/WechatPayError.ts"
const cfg = new Config.ConfigError(new ConfigProvider.SourceError({ message: "m" }))
const rows: Array<[string, unknown]> = [
  ["InvalidValue", new CliErr.InvalidValue({ option: "x", value: "bad", expected: "e", kind: "flag" })],
  ["ShowHelp", new CliErr.ShowHelp({ commandPath: ["a"], errors: [new CliErr.MissingOption({ option: "headers" })] })],
  ["InvalidArguments", new InvalidArguments({ message: "m" })],
  ["SystemError", new WechatPayError.SystemError({ code: "X", message: "m", status: 500 })],
  ["ConfigError", cfg],
  ["ListenError", new ListenError({ port: 1, reason: "AddressInUse", message: "m" })],
  ["Interrupted", new Interrupted({ signal: "SIGUSR2", operation: "o", message: "m" })],
  ["defect", new Error("boom")],
]
for (const [n, e] of rows) console.log(n, exitCodeOf(e), JSON.stringify(fromCause(Cause.fail(e))))
console.log(JSON.stringify(fromCause(Cause.interrupt())), JSON.stringify(fromCause(Cause.die(new Error("boom")))))
console.log(JSON.stringify(reportOf(new Interrupted({ signal: "SIGINT", operation: "membercard update-user-card", request: "PATCH /x", write: true, outcome: "unknown", check: "c", retry: "safe: …", message: "m" }))))
