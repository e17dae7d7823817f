import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // The package's own entry points, as the README examples (test/readme, generated) import them; the same
    // mapping as `paths` in tsconfig.json. Exact matches, so "effect-wechatpay" does not swallow its subpaths.
    alias: [
      { find: /^effect-wechatpay$/, replacement: src("index.ts") },
      { find: /^effect-wechatpay\/testing$/, replacement: src("testing/index.ts") },
      { find: /^effect-wechatpay\/HttpClientTransport$/, replacement: src("HttpClientTransport.ts") },
      { find: /^effect-wechatpay\/NotificationStore\/(Postgres|Redis)$/, replacement: src("NotificationStore/$1.ts") },
      // The root's modules by path (package.json "exports"; test/runtimes.test.ts keeps the list in step).
      { find: /^effect-wechatpay\/(Authorization|BrandCardMember|BrandClient|PartnerCardMember|Encryptor|Endpoint|Media|MemberCard|MemberCardActivity|Merchants|NodeTransport|Notification|NotificationStore|Paging|PlatformCertificates|RateLimit|RetryPolicy|Signer|Telemetry|Transport|Verifier|Wire|WechatPay|WechatPayClient|WechatPayError)$/, replacement: src("$1.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
