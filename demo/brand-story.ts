/**
 * The second story: a brand's card from scratch. Upload a logo, create a card template with it, make a QR code to
 * hand it out, import a member by phone number (sent encrypted), grant points, list the brand's templates as a
 * stream across pages, and invalidate the member's card.
 */
import { Chunk, Console, Effect, Redacted, Stream } from "effect"
import { Encryptor, Media, MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { check, step } from "./checks.js"
import { png } from "./png.js"

const appid = "wxd678efh567hg6787"
const brand = { brand_id: "1004", display_name: "微信咖啡" }

/** A 120×120 logo (WeChat's size for `logo_url`): a green disc on white. */
const logo = png(120, 120, (x, y) => (x - 60) ** 2 + (y - 60) ** 2 < 50 ** 2 ? [7, 193, 96] : [255, 255, 255])

/** The fields every template of the brand shares. */
const template = (logo_url: string) => ({
  appid,
  brand,
  logo_url,
  background_picture_url: logo_url,
  description: "本卡仅限本人使用，积分可在门店兑换饮品",
  code_type: "QRCODE" as const,
  date_information: { type: "PERMANENT" as const },
  code_mode: "SYSTEM_ALLOCATE" as const
})

export const brandStory = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  yield* Console.log("\n— A brand's card from scratch —")

  yield* step("10. Upload the logo (POST …/media/image-upload, multipart, signed over its meta part)")
  const { media_url } = yield* Media.uploadImage({ file: logo, filename: "logo.png" })
  yield* Console.log(`   ${logo.byteLength}-byte PNG drawn in code → ${media_url}`)
  yield* check(media_url.startsWith("https://"), "the image is stored and has a permanent URL")

  yield* step("11. Create the card template with that logo (POST …/membercard-open/cards)")
  const created = yield* MemberCard.createCardTemplate({
    ...template(media_url),
    title: "微信咖啡会员卡",
    out_request_no: "tpl-20261125-0001"
  })
  const card_id = created.card_id
  // Stands for WeChat's review: a new template waits in NOT_APPROVE until WeChat approves it.
  emulator.putTemplate({ ...emulator.template(card_id), card_id, status: "APPROVED" })
  const reviewed = yield* MemberCard.getCardTemplate({ card_id })
  yield* Console.log(`   ${card_id}: ${created.status} → after review ${reviewed.status}`)
  yield* check(reviewed.logo_url === media_url && reviewed.status === "APPROVED", "the template shows our logo and is approved")

  yield* step("12. Create a QR code that hands the card out (POST …/cards/{card_id}/qrcode)")
  const qr = yield* MemberCard.createQrCode({ card_id, activate_type: "AUTO_ACTIVATE", outer_str: "store-001" })
  yield* Console.log(`   ${qr.url}`)
  yield* check(qr.url !== undefined, "a QR code link to print at the counter")

  yield* step("13. Import a member by phone number (POST …/phone-membercard/import)")
  const imported = yield* MemberCard.importUserCardByPhone({
    card_id,
    phone_number: Redacted.make("13800138000"),
    out_request_no: "imp-20261125-0001"
  })
  const code = yield* Effect.fromNullishOr(imported.code)
  const { serial } = yield* Encryptor.Encryptor
  yield* Console.log(`   number sent RSA-OAEP encrypted, Wechatpay-Serial ${serial}; the member's code is ${code}`)
  const applied = emulator.ledger.some((entry) => entry.endpoint === "ImportUserCardByPhone" && entry.code === code)
  yield* check(applied, "WeChat decrypted it with the key that serial names and issued the card")

  yield* step("14. Read the member's card (GET …/cards/{card_id}/codes/{code})")
  const issued = yield* MemberCard.getUserCard({ card_id, code })
  yield* Console.log(`   level ${issued.level}, points ${issued.bonus_value}, status ${issued.user_card_status}`)
  yield* check(issued.user_card_status === "EFFECTIVE", "a card imported by phone is active at once")

  yield* step("15. Grant 200 welcome points (PATCH …/codes/{code}/rights)")
  yield* MemberCard.setUserCardRights({
    card_id,
    code,
    out_request_no: "pts-20261125-0002",
    before_bonus_value: issued.bonus_value ?? 0,
    bonus_value: (issued.bonus_value ?? 0) + 200,
    add_bonus_value: 200
  })
  yield* check(emulator.applied("pts-20261125-0002") === 1, "points write applied once")

  yield* step("16. List the brand's templates as a stream, after opening 21 branch cards (GET …/cards, 20 a page)")
  yield* Effect.forEach(
    Chunk.range(1, 21),
    (i) => MemberCard.createCardTemplate({ ...template(media_url), title: `分店${i}号会员卡`, out_request_no: `tpl-branch-${i}` }),
    { concurrency: 4, discard: true }
  )
  const pagesBefore = emulator.requests("ListCardTemplates")
  const all = yield* Stream.runCollect(MemberCard.streamCardTemplates({ appid, brand_id: brand.brand_id }))
  const pages = emulator.requests("ListCardTemplates") - pagesBefore
  yield* Console.log(`   ${all.length} templates in ${pages} pages`)
  yield* check(all.length === 22 && pages === 2 && all.some((t) => t.card_id === card_id), "every template, page by page")

  yield* step("17. Invalidate the member's card (POST …/codes/{code}/unavailable)")
  yield* MemberCard.invalidateUserCard({ card_id, code, reason: "会员注销" })
  const invalidated = yield* MemberCard.getUserCard({ card_id, code })
  yield* Console.log(`   points ${invalidated.bonus_value}, status ${invalidated.user_card_status}`)
  yield* check(invalidated.user_card_status === "UNAVAILABLE" && invalidated.bonus_value === 200, "the card is UNAVAILABLE")
})
