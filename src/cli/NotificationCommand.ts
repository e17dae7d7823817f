/**
 * `effect-wechatpay notification parse --headers FILE --body FILE`: a notification as received (its headers and its
 * body bytes, e.g. captured by a proxy or a log of the raw request) verified, decrypted and decoded with
 * `Notification.parse`, the event printed as JSON.
 *
 * @since 0.4.0
 */
import { existsSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Notification from "../Notification.js"
import * as Verifier from "../Verifier.js"
import * as WechatPay from "../WechatPay.js"
import { InvalidArguments } from "./CliError.js"
import { apiV3KeyConfig } from "./Endpoints.js"
import { printJson, withDefectLog } from "./Output.js"

/**
 * Headers from a file: a JSON object (`{"Wechatpay-Signature": "…", …}`) or HTTP header lines (`Name: value`, as
 * `curl -D` writes them; a status line is skipped).
 *
 * @since 0.4.0
 * @category utils
 */
export const parseHeaders = (text: string): Record<string, string> | undefined => {
  const trimmed = text.trim()
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as unknown
      if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(json)) {
        if (typeof value !== "string") return undefined
        headers[name.toLowerCase()] = value
      }
      return headers
    } catch {
      return undefined
    }
  }
  const headers: Record<string, string> = {}
  for (const line of trimmed.split(/\r?\n/)) {
    if (line === "" || /^HTTP\/\S+ \d{3}/.test(line) || /^[A-Z]+ \S+ HTTP\/\S+$/.test(line)) continue
    const colon = line.indexOf(":")
    if (colon <= 0) return undefined
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return headers
}

const read = (flag: string, path: string): Effect.Effect<Uint8Array, InvalidArguments> =>
  Effect.try({
    try: () => new Uint8Array(readFileSync(path)),
    catch: () => new InvalidArguments({ flag, message: `--${flag}: cannot read the file` })
  })

const options = {
  // Existence is checked by `bothExist` (effect/cli's `mustExist` would stop at the first missing file).
  headers: Flag.File("headers").pipe(
    Flag.withDescription("the notification's headers: a JSON object, or `Name: value` lines")
  ),
  body: Flag.File("body").pipe(
    Flag.withDescription("the notification's body, byte for byte as received")
  ),
  maxClockSkew: Flag.Int("max-clock-skew").pipe(
    Flag.withDescription("seconds Wechatpay-Timestamp may be from now (default 300; raise it for an old capture)"),
    Flag.optional
  )
}

/**
 * Both files must exist, and each missing one is reported (as 0.6 did): effect/cli's own `mustExist` stops at the
 * first. The errors are effect/cli's own for a missing path (`InvalidValue`), shown with this command's help like a
 * parse error, so the report names each flag and no path (see `Argv.describe`).
 */
const bothExist = <Flags extends { readonly headers: string; readonly body: string }>(flags: Flags) => {
  const missing = (["headers", "body"] as const).filter((flag) => !existsSync(resolve(flags[flag])))
  return missing.length === 0 ? Effect.void : Effect.fail(
    new CliError.ShowHelp({
      // The command's path in the tree (main.ts): the help shown is this command's.
      commandPath: ["effect-wechatpay", "notification", "parse"],
      errors: missing.map((flag) =>
        new CliError.InvalidValue({
          option: flag,
          value: flags[flag],
          expected: `Path does not exist: ${resolve(flags[flag])}`,
          kind: "flag"
        })
      )
    })
  )
}

/**
 * `notification parse`.
 *
 * @since 0.4.0
 * @category constructors
 */
export const parse = Command.make("parse", options, (flags) =>
  withDefectLog(Effect.gen(function*() {
    const headerText = new TextDecoder().decode(yield* read("headers", flags.headers))
    const headers = parseHeaders(headerText)
    if (headers === undefined) {
      return yield* new InvalidArguments({
        flag: "headers",
        message: "--headers must hold a JSON object of strings or `Name: value` lines"
      })
    }
    const body = yield* read("body", flags.body)
    if (Option.isSome(flags.maxClockSkew) && flags.maxClockSkew.value < 0) {
      return yield* new InvalidArguments({ flag: "max-clock-skew", message: "--max-clock-skew must be 0 or more" })
    }
    const maxClockSkew = Option.getOrElse(Option.map(flags.maxClockSkew, (seconds) => seconds * 1000), () => 300_000)
    const { apiV3Key, publicKeys } = yield* Config.all({
      apiV3Key: apiV3KeyConfig,
      // The WeChat Pay keys only: verifying needs neither the merchant's identity nor its private key.
      publicKeys: WechatPay.publicKeysConfig
    })
    const event = yield* Notification.parse({ headers, body }).pipe(
      Effect.provide(
        Notification.layer({ apiV3Key, maxClockSkew }).pipe(
          Layer.provide(Verifier.layer({ publicKeys, maxClockSkew }))
        )
      )
    )
    yield* printJson(event)
  }))
).pipe(Command.validate(bothExist), Command.withDescription(
  "verify (WECHATPAY_PUBLIC_KEY… or WECHATPAY_PLATFORM_CERTIFICATES), decrypt (WECHATPAY_API_V3_KEY) and decode a notification"
))

