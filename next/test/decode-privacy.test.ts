/**
 * A value that fails a schema is never repeated in the error: WeChat's answer may carry a member's data (an openid, a
 * phone number, a balance) in a field of an unexpected type, and errors end up in logs and on the CLI's stderr. The
 * message says where and what was expected.
 */
import { expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { MemberCard } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"

const InProcess = MemberCard.layer.pipe(Layer.provideMerge(Emulator.layerInProcess()))

layer(InProcess)("no value in a decode or validation error", (it) => {
  it.effect("a response field of the wrong type: the path and the expected type, never the value", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      emulator.putCard({ card_id: "pPrivacyCard00001", code: "800100" })
      // WrongShape answers {"balance":"a lot","user_card_status":42}, correctly signed.
      emulator.inject({ endpoint: "GetUserCard", fault: { _tag: "WrongShape" } })
      const error = yield* Effect.flip(MemberCard.getUserCard({ card_id: "pPrivacyCard00001", code: "800100" }))
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("balance")
      expect(error.message).toMatch(/Expected/)
      for (const rendering of [error.message, String(error), JSON.stringify(error)]) {
        expect(rendering).not.toContain("a lot")
        expect(rendering).not.toMatch(/actual/)
      }
    }))

  it.effect("a request field of the wrong type: RequestValidationError without the value; a rule's own message kept", () =>
    Effect.gen(function*() {
      const secretish = 13812345678
      const error = yield* Effect.flip(
        MemberCard.getUserCard({ card_id: secretish as unknown as string, code: "1" })
      )
      expect(error._tag).toBe("RequestValidationError")
      expect(error.message).toContain("card_id")
      expect(JSON.stringify(error)).not.toContain(String(secretish))
      const long = yield* Effect.flip(MemberCard.getUserCard({ card_id: "p".repeat(33), code: "1" }))
      expect(long.message).toContain("card_id must be at most 32 characters")
    }))
})
