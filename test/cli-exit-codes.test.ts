/**
 * The command line's exit codes and reports, in process: every mapped error tag with its exit code and reported tag
 * (a wrong mapping fails its row), and what an `Interrupted` report says for a write, a read and a command
 * interrupted before sending. The same behaviour through real processes and signals: test/hardening-0.6-cli.test.ts.
 */
import * as Cause from "effect/Cause"
import * as EffectCliError from "effect/cli/CliError"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { exitCodeOf, fromCause, Interrupted, InvalidArguments, ListenError, reportOf } from "../src/cli/CliError.js"
import * as Endpoints from "../src/cli/Endpoints.js"
import { commandOf, interrupted } from "../src/cli/Signals.js"
import { NotificationDecodeError, NotificationDecryptError, NotificationVerificationError } from "../src/Notification.js"
import { CertificateError } from "../src/PlatformCertificates.js"
import * as WechatPayError from "../src/WechatPayError.js"

const api = { code: "X", message: "m", status: 0 }

describe("exit codes: the whole mapping", () => {
  // Each error is made in its test: a missing export fails that row, not the whole file.
  const table: ReadonlyArray<readonly [string, number, () => unknown]> = [
    // effect/cli's parse error for a flag's value.
    ["InvalidValue", 2, () => new EffectCliError.InvalidValue({ option: "port", value: "bad", expected: "integer", kind: "flag" })],
    ["InvalidArguments", 2, () => new InvalidArguments({ message: "m" })],
    ["RequestValidationError", 2, () => new WechatPayError.RequestValidationError({ endpoint: "e", message: "m", issues: [] })],
    ["ParamError 400", 3, () => new WechatPayError.ParamError({ ...api, status: 400 })],
    ["InvalidRequest 400", 3, () => new WechatPayError.InvalidRequest({ ...api, status: 400 })],
    ["SignError 401", 3, () => new WechatPayError.SignError({ ...api, status: 401 })],
    ["NoAuth 403", 3, () => new WechatPayError.NoAuth({ ...api, status: 403 })],
    ["NotFound 404", 3, () => new WechatPayError.NotFound({ ...api, status: 404 })],
    ["FrequencyLimited 429", 3, () => new WechatPayError.FrequencyLimited({ ...api, status: 429 })],
    ["UnknownApiError 499", 3, () => new WechatPayError.UnknownApiError({ ...api, status: 499 })],
    ["SystemError 500", 4, () => new WechatPayError.SystemError({ ...api, status: 500 })],
    ["ServiceUnavailable 503", 4, () => new WechatPayError.ServiceUnavailable({ ...api, status: 503 })],
    ["UnknownApiError 599", 4, () => new WechatPayError.UnknownApiError({ ...api, status: 599 })],
    ["TransportError", 4, () => new WechatPayError.TransportError({ reason: "Timeout", method: "GET", url: "u", message: "m" })],
    [
      "ResponseVerificationError",
      5,
      () => new WechatPayError.ResponseVerificationError({ reason: "InvalidSignature", message: "m" })
    ],
    ["ResponseDecodeError", 5, () => new WechatPayError.ResponseDecodeError({ endpoint: "e", status: 200, message: "m" })],
    ["NotificationVerificationError", 5, () => new NotificationVerificationError({ reason: "InvalidSignature", message: "m" })],
    ["NotificationDecryptError", 5, () => new NotificationDecryptError({ message: "m" })],
    ["NotificationDecodeError", 5, () => new NotificationDecodeError({ message: "m", issues: [] })],
    ["CertificateError DecryptionFailed", 5, () => new CertificateError({ reason: "DecryptionFailed", serial: "S", message: "m" })],
    ["CertificateError Expired", 5, () => new CertificateError({ reason: "Expired", serial: "S", message: "m" })],
    ["CertificateError InvalidApiV3Key", 1, () => new CertificateError({ reason: "InvalidApiV3Key", serial: "S", message: "m" })],
    ["ConfigurationError", 1, () => new WechatPayError.ConfigurationError({ option: "o", message: "m" })],
    ["SigningError", 1, () => new WechatPayError.SigningError({ message: "m" })],
    // A variable missing: what `Config` fails with when the environment lacks it.
    ["ConfigError", 1, () => Effect.runSync(Effect.flip(Config.String("WECHATPAY_MCHID").parse(ConfigProvider.fromUnknown({}))))],
    ["ListenError", 6, () => new ListenError({ port: 1, reason: "AddressInUse", message: "m" })],
    ["Interrupted SIGHUP", 129, () => new Interrupted({ signal: "SIGHUP", operation: "o", message: "m" })],
    ["Interrupted SIGINT", 130, () => new Interrupted({ signal: "SIGINT", operation: "o", message: "m" })],
    ["Interrupted SIGTERM", 143, () => new Interrupted({ signal: "SIGTERM", operation: "o", message: "m" })],
    ["Interrupted SIGQUIT", 131, () => new Interrupted({ signal: "SIGQUIT", operation: "o", message: "m" })],
    ["Interrupted SIGUSR2", 140, () => new Interrupted({ signal: "SIGUSR2", operation: "o", message: "m" })],
    ["a defect", 1, () => new Error("boom")]
  ]

  it.each(table)("%s → exit %i, reported under its tag", (name, code, make) => {
    const error = make()
    expect(exitCodeOf(error)).toBe(code)
    const outcome = fromCause(Cause.fail(error))
    expect(outcome.code).toBe(code)
    const tag = name === "InvalidValue" ? "InvalidArguments" : name === "a defect" ? "UnexpectedError" : name.split(" ")[0]
    expect(outcome.report?._tag).toBe(tag)
  })

  it("an interruption with no signal (a clean stop of a server) is exit 0 and no report; a defect is 1", () => {
    expect(fromCause(Cause.interrupt())).toEqual({ code: 0 })
    expect(fromCause(Cause.die(new Error("boom")))).toMatchObject({ code: 1, report: { _tag: "UnexpectedError" } })
  })

  it("the Interrupted report carries its signal, operation and advice; nothing else", () => {
    const line = reportOf(
      new Interrupted({
        signal: "SIGINT",
        operation: "membercard update-user-card",
        request: "PATCH /x",
        write: true,
        outcome: "unknown",
        check: "effect-wechatpay membercard get-user-card --card-id <card_id> --code <code>",
        retry: "safe: …",
        message: "m"
      })
    )
    expect(line).toEqual({
      _tag: "Interrupted",
      signal: "SIGINT",
      operation: "membercard update-user-card",
      request: "PATCH /x",
      write: true,
      outcome: "unknown",
      check: "effect-wechatpay membercard get-user-card --card-id <card_id> --code <code>",
      retry: "safe: …",
      message: "m"
    })
  })
})

const byName = (specs: ReadonlyArray<Endpoints.Spec>, command: string) => specs.find((spec) => spec.command === command)!

describe("what an Interrupted report says", () => {
  const call = (write: boolean, check?: string) => ({
    _tag: "Call" as const,
    operation: "membercard update-user-card",
    request: `${write ? "PATCH" : "GET"} /v3/marketing/membercard-open/cards/{card_id}/codes/{code}`,
    write,
    check,
    retry: "safe: r"
  })

  it("a write: outcome unknown, check and retry as given; a read: nothing changed; nothing started: not sent", () => {
    expect(interrupted("SIGTERM", call(true, "effect-wechatpay membercard get-user-card"), "x")).toMatchObject({
      _tag: "Interrupted",
      signal: "SIGTERM",
      operation: "membercard update-user-card",
      write: true,
      outcome: "unknown",
      check: "effect-wechatpay membercard get-user-card",
      retry: "safe: r",
      message: expect.stringContaining("(see check and retry)")
    })
    const unchecked = interrupted("SIGINT", call(true), "x")
    expect(unchecked.check).toBeUndefined()
    expect(unchecked.message).toContain("outcome is unknown (see retry)")
    const read = interrupted("SIGINT", call(false, "c"), "x")
    expect(read).toMatchObject({ write: false, message: expect.stringContaining("during a read") })
    expect(read.outcome).toBeUndefined()
    expect(read.check).toBeUndefined()
    expect(read.retry).toBeUndefined()
    const early = interrupted("SIGHUP", undefined, "membercard get-callback")
    expect(early).toMatchObject({
      operation: "membercard get-callback",
      outcome: "not sent",
      message: expect.stringContaining("before any request")
    })
    expect(early.write).toBeUndefined()
  })

  it("the command's name is its leading words, never a flag's value", () => {
    expect(commandOf(["node", "bin"])).toBe("effect-wechatpay")
    expect(commandOf(["node", "bin", "membercard", "search-phone-member", "--phone-number", "13812345678"])).toBe(
      "membercard search-phone-member"
    )
    expect(commandOf(["node", "bin", "--log-level", "debug", "membercard"])).toBe("effect-wechatpay")
    expect(commandOf(["node", "bin", "a", "b", "c"])).toBe("a b")
  })

  it("every write names a read command of its own product (except those no read shows), and whether repeating is safe", () => {
    const specs = Endpoints.specs()
    const commands = new Set(specs.map((spec) => `effect-wechatpay ${spec.group} ${spec.command}`))
    const writes = specs.filter((spec) => spec.service.definition.method !== "GET")
    // 25 of membercard-open, membercard-activity and media; confirm-membership; 16 of a provider's 商家名片会员卡, 12
    // of a brand's.
    expect(writes.length).toBe(54)
    // No read shows what these change: an upload, a component token, a feed item, a points balance or an exchange's
    // answer (商家名片会员卡 has no read of them).
    const unread = new Set([
      "media upload-image",
      "brand-card-member upload-image",
      ...["partner-card-member", "brand-card-member"].flatMap((group) =>
        ["create-pre-auth-token", "create-user-feed", "sync-user-points", "confirm-points-exchange"].map((c) => `${group} ${c}`)
      ),
      "partner-card-member create-pay-view-token"
    ])
    for (const spec of writes) {
      const { idempotencyKey, repeatable } = spec.service.definition
      if (unread.has(`${spec.group} ${spec.command}`)) expect(spec.check, spec.command).toBeUndefined()
      else {
        expect(commands, spec.command).toContain(spec.check!.replace(/ --.*$/, ""))
        expect(spec.check, spec.command).toMatch(new RegExp(`^effect-wechatpay ${spec.group} `))
      }
      const retry = Endpoints.retryOf(spec)
      if (idempotencyKey !== undefined) {
        // Only the idempotency key makes a repeat after an unknown outcome safe, and only with the same values.
        expect(retry, spec.command).toBe(
          `safe to repeat with the same --${idempotencyKey.replace(/_/g, "-")} and the same values (its idempotency ` +
            "key: WeChat applies it once)"
        )
      } else if (repeatable !== undefined) {
        // Endpoint.ts repeats a repeatable write only after an answer saying it was not processed: an interruption is
        // an unknown outcome, and a blind repeat could undo another writer's change made in between.
        expect(retry, spec.command).not.toMatch(/^safe/)
        if (spec.check === undefined) expect(retry, spec.command).toMatch(/^no read command shows its state/)
        else expect(retry, spec.command).toMatch(/^check first \(the check command\), then repeat it only if the state is not what you sent/)
        expect(retry, spec.command).toContain(repeatable)
      } else expect(retry, spec.command).toMatch(/^not safe/)
    }
    expect(Endpoints.retryOf(byName(specs, "set-callback"))).toMatch(/^check first/)
    expect(Endpoints.retryOf(byName(specs, "deposit-codes"))).toMatch(/^check first/)
    const byCommand = new Map(specs.map((spec) => [`${spec.group} ${spec.command}`, spec]))
    expect(byCommand.get("membercard invalidate-user-card")!.check).toBe(
      "effect-wechatpay membercard get-user-card --card-id <card_id> --code <code>"
    )
    expect(byCommand.get("membercard set-callback")!.check).toBe("effect-wechatpay membercard get-callback")
    expect(byCommand.get("membercard import-user-card-by-openid")!.check).toBe(
      "effect-wechatpay membercard list-user-cards --openid <openid> --offset <offset> --limit <limit>"
    )
    expect(byCommand.get("membercard-activity terminate-activity")!.check).toBe(
      "effect-wechatpay membercard-activity get-activity --activity-id <activity_id>"
    )
    // The same accessor on another product checks with that product's read, and its own flags.
    expect(byCommand.get("partner-card-member terminate-activity")!.check).toBe(
      "effect-wechatpay partner-card-member get-activity --brand-id <brand_id> --activity-id <activity_id>"
    )
    expect(byCommand.get("brand-card-member import-user-card-by-openid")!.check).toBe(
      "effect-wechatpay brand-card-member list-user-cards --openid <openid> --offset <offset> --limit <limit>"
    )
    expect(Endpoints.retryOf(byCommand.get("brand-card-member import-user-card-by-openid")!)).toMatch(/^check first/)
    expect(byCommand.get("membercard get-user-card")!.check).toBeUndefined()
    expect(Endpoints.retryOf(byCommand.get("membercard get-user-card")!)).toBe("safe: a read")
  })
})
