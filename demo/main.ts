/**
 * The main job: a member's story through all five member-card endpoints against the emulator on 127.0.0.1, with
 * freshly generated keys, real RSA signing of every request and verification of every response, over the built-in
 * node:http transport. Then what typed
 * error handling looks like. Exits 0 only when every step behaved as it should.
 *
 *   npm run demo
 */
import { Console, Effect, Layer } from "effect"
import { MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const code = "478515832665"

let failures = 0
const check = (ok: boolean, what: string) =>
  Effect.suspend(() => {
    if (!ok) failures++
    return Console.log(`   ${ok ? "✔" : "✘"} ${what}`)
  })
const step = (title: string) => Console.log(`\n▶ ${title}`)

const story = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const server = yield* Emulator.EmulatorServer
  emulator.putCard({ card_id, code, balance: 888, bonus_value: 500, level: "银卡" })
  yield* Console.log(`WeChat Pay emulator listening on ${server.baseUrl} (mchid ${emulator.mchid})`)
  yield* Console.log(`Merchant key: fresh RSA-2048; platform keys: ${emulator.publicKeyId} and certificate ${emulator.certificateSerial}`)

  yield* step("1. Read the member's card (GET …/cards/{card_id}/codes/{code})")
  const before = yield* MemberCard.getUserCard({ card_id, code })
  yield* Console.log(`   level ${before.level}, balance ${before.balance}, points ${before.bonus_value}, status ${before.user_card_status}`)
  yield* check(before.balance === 888 && before.bonus_value === 500, "signed request accepted, signed response verified and decoded")

  yield* step("2. Upgrade the level and top up the balance by 100 (PATCH …/codes/{code})")
  yield* MemberCard.updateUserCard({
    card_id,
    code,
    level: "钻石会员",
    out_request_no: "upd-20261125-0001",
    balance_information: { before_balance: 888, balance: 988, add_balance: 100, balance_remark: "充值100元" }
  })
  yield* check(emulator.applied("upd-20261125-0001") === 1, "204 No Content verified; the emulator applied the write once")

  yield* step("3. Grant 100 points (PATCH …/codes/{code}/rights)")
  yield* MemberCard.setUserCardRights({
    card_id,
    code,
    out_request_no: "pts-20261125-0001",
    before_bonus_value: 500,
    bonus_value: 600,
    add_bonus_value: 100
  })
  yield* check(emulator.applied("pts-20261125-0001") === 1, "points write applied once")

  yield* step("4. Show 30 points on the payment result page for order T20261125001, then commit them")
  const order = { card_id, code, out_trade_no: "T20261125001", mchid: emulator.mchid, bonus_value: 30 }
  yield* MemberCard.prepareBonus(order)
  yield* MemberCard.commitBonus(order)
  yield* check(emulator.order("T20261125001")?.committed === true, "bonus order prepared and committed")

  yield* step("5. Read the card again")
  const after = yield* MemberCard.getUserCard({ card_id, code })
  yield* Console.log(`   level ${after.level}, balance ${after.balance}, points ${after.bonus_value}`)
  yield* check(after.level === "钻石会员" && after.balance === 988 && after.bonus_value === 600, "the card shows every change")

  yield* Console.log("\n— Typed errors —")

  yield* step("6. A wrong code: WeChat answers 400 INVALID_REQUEST, caught with catchTag")
  const wrong = yield* MemberCard.getUserCard({ card_id, code: "000000000000" }).pipe(
    Effect.map(() => "unexpected success"),
    Effect.catchTag("InvalidRequest", (e) => Effect.succeed(`InvalidRequest "${e.message}" (status ${e.status}, Request-ID ${e.requestId})`))
  )
  yield* Console.log(`   ${wrong}`)
  yield* check(wrong.startsWith("InvalidRequest"), "InvalidRequest carries status, message and Request-ID")

  yield* step("7. Bad input is caught before anything is sent")
  const sentBefore = emulator.requests()
  const invalid = yield* MemberCard.prepareBonus({ ...order, out_trade_no: "T20261125002", bonus_value: -5 }).pipe(
    Effect.map(() => "unexpected success"),
    Effect.catchTag("RequestValidationError", (e) => Effect.succeed(e.message))
  )
  yield* Console.log(`   RequestValidationError: ${invalid}`)
  yield* check(emulator.requests() === sentBefore, "the emulator received nothing")

  yield* step("8. A rate-limited call (429 FREQUENCY_LIMITED) is retried and succeeds")
  emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "Error", status: 429, code: "FREQUENCY_LIMITED", message: "频率超限" } })
  const readsBefore = emulator.requests("GetUserCard")
  const retried = yield* MemberCard.getUserCard({ card_id, code })
  const attempts = emulator.requests("GetUserCard") - readsBefore
  yield* Console.log(`   ${attempts} attempts, then points ${retried.bonus_value}`)
  yield* check(attempts === 2 && retried.bonus_value === 600, "one retry with backoff, new signature, same request")

  yield* step("9. A forged response (tampered signature) is refused, never decoded")
  emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "TamperSignature" } })
  const forged = yield* MemberCard.getUserCard({ card_id, code }).pipe(
    Effect.map(() => "unexpected success"),
    Effect.catchTag("ResponseVerificationError", (e) => Effect.succeed(`${e.reason}: ${e.message}`))
  )
  yield* Console.log(`   ResponseVerificationError ${forged}`)
  yield* check(forged.startsWith("InvalidSignature"), "verification failure is its own tag and is not retried")
})

const MainLayer = Layer.mergeAll(
  // The client on the built-in node:http transport, as `WechatPay.layerNode` gives it (`Emulator.layerLoopback()`
  // is the same on FetchHttpClient).
  MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerLoopbackNode())),
  // RetryPolicy is read by each call from its own context, so it is provided to the program, not to the client.
  RetryPolicy.layer({ baseDelay: "50 millis" })
)

const program = story.pipe(
  Effect.provide(MainLayer),
  Effect.scoped,
  Effect.catchAll((error) =>
    Effect.sync(() => {
      failures++
      console.error(`\nUnexpected failure: ${String(error)}`)
    })
  ),
  Effect.andThen(Effect.sync(() => {
    console.log(failures === 0 ? "\nAll steps behaved as expected." : `\n${failures} step(s) misbehaved.`)
    process.exitCode = failures === 0 ? 0 : 1
  }))
)

Effect.runPromise(program)
