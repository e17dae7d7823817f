/**
 * The main job: two stories against the emulator on 127.0.0.1, with freshly generated keys, real RSA signing of every
 * request and verification of every response, over the built-in node:http transport.
 *
 * 1. A member's story through the five seed member-card endpoints, then what typed error handling looks like
 *    (`member-story.ts`).
 * 2. A brand's card from scratch: logo upload, template, QR code, a member imported by (encrypted) phone number,
 *    points, the brand's templates as a paged stream, the card invalidated (`brand-story.ts`).
 *
 * Exits 0 only when every step behaved as it should.
 *
 *   npm run demo
 */
import { Effect, Layer } from "effect"
import { Media, MemberCard, RetryPolicy } from "../src/index.js"
import { Emulator } from "../src/testing/index.js"
import { brandStory } from "./brand-story.js"
import { fail, failures } from "./checks.js"
import { memberStory } from "./member-story.js"

const MainLayer = Layer.mergeAll(
  // The client on the built-in node:http transport, as `WechatPay.layerNode` gives it (`Emulator.layerLoopback()`
  // is the same on FetchHttpClient).
  Layer.merge(MemberCard.layer, Media.layer).pipe(Layer.provideMerge(Emulator.layerLoopbackNode())),
  // RetryPolicy is read by each call from its own context, so it is provided to the program, not to the client.
  RetryPolicy.layer({ baseDelay: "50 millis" })
)

const program = Effect.andThen(memberStory, brandStory).pipe(
  Effect.provide(MainLayer),
  Effect.scoped,
  Effect.catchAll((error) =>
    Effect.sync(() => {
      fail()
      console.error(`\nUnexpected failure: ${String(error)}`)
    })
  ),
  Effect.andThen(Effect.sync(() => {
    console.log(failures() === 0 ? "\nAll steps behaved as expected." : `\n${failures()} step(s) misbehaved.`)
    process.exitCode = failures() === 0 ? 0 : 1
  }))
)

Effect.runPromise(program)
