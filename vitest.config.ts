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
      { find: /^effect-wechatpay\/(\w+)$/, replacement: src("$1.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
