/**
 * The first story: a member's card through the five seed endpoints (read, update, points, bonus on a payment, read
 * again), then what typed error handling looks like: a WeChat error caught by tag, bad input refused before sending,
 * a rate limit retried, a forged response refused.
 */
import { Console, Effect } from "effect"
import { MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { check, step } from "./checks.js"

const card_id = "pbLatjvWOibDc5-TBnbUk1pD12o0"
const code = "478515832665"

export const memberStory = Effect.gen(function*() {
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
