/**
 * README.md's ```ts blocks, extracted into test/readme/ (gitignored) so that CI compiles every example against the
 * package's own source and runs the testing example. `npm run typecheck` and `npm test` run this first.
 *
 * - Each block becomes `test/readme/block-NN.ts` (NN: its position among the README's ts blocks); a block that
 *   declares tests (`it.effect(` …) becomes `testing-example.test.ts`, so vitest runs it.
 * - README blocks are fragments: they use names a reader has from the surrounding text or an earlier block. Those
 *   come from `preludes` below, keyed by the block's section heading. A prelude supplies only what the block uses
 *   and never a name the block imports itself (checked here), so a block cannot lean on the prelude to hide a
 *   missing or wrong import.
 * - The block keeps its README line numbers (the prelude sits in the blank lines above it), so a compiler error at
 *   `test/readme/block-05.ts:190` is README.md line 190.
 * - The block's top-level names are exported, so `noUnusedLocals` flags only what the block really leaves unused.
 * - A fence written ```ts no-check is skipped: only for a block that truly cannot compile.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const outDir = Path.join(root, "test", "readme")

/**
 * Section heading (without the #s) → the context its block assumes. Write `Heading (2)` for the second ts block
 * under the same heading. Imports stand for names an earlier block imported; `declare const` for values the text
 * leaves to the reader.
 */
const preludes: Record<string, ReadonlyArray<string>> = {
  "Configure": [
    "declare const apiclientKeyPem: string",
    "declare const wechatpayPublicKeyPem: string"
  ],
  "Configure (2)": [
    `import { Layer } from "effect"`,
    `import { MemberCard, WechatPay } from "effect-wechatpay"`,
    "declare const options: WechatPay.Options"
  ],
  "From the environment": [
    `import { Layer } from "effect"`,
    `import { MemberCard, WechatPay } from "effect-wechatpay"`
  ],
  "Certificate mode: platform certificates downloaded for you": [
    "declare const apiclientKeyPem: string",
    "declare const merchantSerialNumber: string",
    "declare const apiV3Key: string"
  ],
  "Notifications": [
    "declare const options: WechatPay.Options",
    "declare const apiV3Key: string"
  ],
  "Running several instances": [
    "declare const options: WechatPay.Options",
    "declare const apiV3Key: string",
    "declare const handle: (event: Notification.Event) => import(\"effect\").Effect.Effect<void>"
  ],
  "Many merchants in one process": [
    "declare const card_id: string",
    "declare const code: string"
  ],
  "A service provider's surface": [
    "declare const providerOptions: WechatPay.Options"
  ],
  "A brand's surface": [
    "declare const brandKeyPem: string",
    "declare const wechatpayPublicKeyPem: string",
    "declare const brandApiKey: string"
  ],
  "membercard-open as a service provider": [
    "declare const providerOptions: WechatPay.Options",
    "declare const card_id: string",
    "declare const code: string"
  ],
  "Notifications of both surfaces": [
    "declare const brandOptions: BrandClient.Options",
    "declare const brandApiKey: string",
    "declare const newMemberCode: Effect.Effect<string>",
    "declare const balanceOf: (openid: string) => Effect.Effect<number>",
    "declare const deductPoints: (openid: string, points: number, recordId: string) => Effect.Effect<boolean>"
  ],
  "Rate limits and repeat safety": [
    "declare const openid: string"
  ],
  "A shared rate budget": [
    "declare const card_id: string",
    "declare const code: string"
  ],
  "Handling errors": [
    "declare const card_id: string",
    "declare const code: string"
  ],
  "Composing in a program": [
    "declare const card_id: string",
    "declare const code: string"
  ],
  "Retries": [
    `import { Effect } from "effect"`,
    `import { MemberCard } from "effect-wechatpay"`,
    "declare const program: Effect.Effect<MemberCard.UserCard, MemberCard.GetUserCardError, MemberCard.GetUserCard>",
    "declare const req: MemberCard.GetUserCardRequest"
  ],
  "Custom signer (KMS / HSM)": [
    "declare const kms: { readonly signRsaSha256: (keyId: string, message: Uint8Array) => Promise<string> }",
    "declare const keyId: string",
    "declare const mchid: string",
    "declare const merchantSerialNumber: string",
    "declare const publicKeyId: string",
    "declare const publicKeyPem: string"
  ],
  "Custom signer (KMS / HSM) (2)": [
    `declare const kmsSigner: import("effect-wechatpay/Signer").Service`,
    `declare const brandOptions: Omit<import("effect-wechatpay/BrandClient").Options, "brandPrivateKey">`
  ],
  "Stubbing one endpoint": [
    `import { Effect, Layer } from "effect"`,
    `import { MemberCard } from "effect-wechatpay"`,
    `import { Emulator } from "effect-wechatpay/testing"`
  ]
}

interface Block {
  readonly key: string
  readonly index: number
  /** 1-based README line of the block's first code line. */
  readonly line: number
  readonly code: string
  readonly noCheck: boolean
}

const fail = (message: string): never => {
  console.error(`scripts/readme.ts: ${message}`)
  process.exit(1)
}

const blocksOf = (text: string): ReadonlyArray<Block> => {
  const lines = text.split("\n")
  const blocks: Array<Block> = []
  const perHeading = new Map<string, number>()
  let heading = "(top)"
  let fence: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (fence === undefined) {
      const open = /^(`{3,})\s*(\S*)\s*(.*)$/.exec(line)
      if (open !== null) {
        fence = open[1]!
        if (open[2] !== "ts") continue
        const start = i + 1
        let end = start
        while (end < lines.length && lines[end]!.trimEnd() !== fence) end++
        if (end === lines.length) fail(`README.md:${i + 1}: unclosed code fence`)
        const n = (perHeading.get(heading) ?? 0) + 1
        perHeading.set(heading, n)
        blocks.push({
          key: n === 1 ? heading : `${heading} (${n})`,
          index: blocks.length + 1,
          line: start + 1,
          code: lines.slice(start, end).join("\n"),
          noCheck: /\bno-check\b/.test(open[3]!)
        })
        i = end
        fence = undefined
        continue
      }
      const h = /^#{1,6}\s+(.*?)\s*$/.exec(line)
      if (h !== null) heading = h[1]!
    } else if (line.trimEnd() === fence) {
      fence = undefined
    }
  }
  return blocks
}

/**
 * Names a source file binds at top level: imports, and its own (unexported) declarations. README blocks are formatted
 * code, so a top-level statement starts at column 0; a scanner of those lines is enough (TypeScript 7's compiler
 * has no JavaScript API to parse with).
 */
const topLevelNames = (code: string) => {
  const imported: Array<string> = []
  const declared: Array<string> = []
  const identifiers = (list: string) =>
    list.split(",").map((part) => part.trim()).filter((part) => part !== "" && part !== "...")
      .map((part) => part.replace(/^type\s+/, "").replace(/^\.\.\./, "").split(/\s+as\s+|\s*:\s*|\s*=\s*/).pop()!.trim())
  for (const match of code.matchAll(/^import\s+(?:type\s+)?([\s\S]*?)\s+from\s+["'][^"']+["']/gm)) {
    const clause = match[1]!.trim()
    const namespace = /^\*\s+as\s+([\w$]+)$/.exec(clause)
    if (namespace !== null) {
      imported.push(namespace[1]!)
      continue
    }
    const named = /\{([\s\S]*)\}/.exec(clause)
    const defaultName = /^([\w$]+)\s*(?:,|$)/.exec(clause)
    if (defaultName !== null) imported.push(defaultName[1]!)
    if (named !== null) imported.push(...identifiers(named[1]!))
  }
  const body = code.replace(/^import\s[\s\S]*?from\s+["'][^"']+["'].*$/gm, "")
  for (const match of body.matchAll(/^(?:declare\s+)?(?:const|let|var)\s+(?:([\w$]+)|\{([^}]*)\}|\[([^\]]*)\])/gm)) {
    if (match[1] !== undefined) declared.push(match[1])
    else declared.push(...identifiers(match[2] ?? match[3] ?? ""))
  }
  for (
    const match of body.matchAll(
      /^(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|enum)\s+([\w$]+)/gm
    )
  ) {
    declared.push(match[1]!)
  }
  return { imported, declared }
}

/** The names a prelude line provides. */
const preludeNames = (line: string): ReadonlyArray<string> => {
  const { declared, imported } = topLevelNames(line)
  return [...imported, ...declared]
}

const isTest = (code: string) => /\b(it|describe)(\.\w+)*\(/.test(code)

/** One document's ts blocks into `test/readme/<prefix>NN.ts`; the count of testing examples written. */
const writeDocument = (
  name: string,
  prefix: string,
  documentPreludes: Record<string, ReadonlyArray<string>>,
  written: Array<string>
): { readonly blocks: number; readonly tests: number } => {
  const blocks = blocksOf(Fs.readFileSync(Path.join(root, name), "utf8"))
  const unusedKeys = new Set(Object.keys(documentPreludes))
  let tests = 0
  for (const block of blocks) {
    const prelude = documentPreludes[block.key] ?? []
    unusedKeys.delete(block.key)
    if (block.noCheck) {
      written.push(`  ${name}:${block.line} (${block.key}): skipped (no-check)`)
      continue
    }
    const { imported, declared } = topLevelNames(block.code)
    for (const line of prelude) {
      for (const bound of preludeNames(line)) {
        if (imported.includes(bound)) {
          fail(`${name}:${block.line} (${block.key}): the prelude provides "${bound}", which the block imports itself`)
        }
        if (!new RegExp(`(?<![\\w$])(?<!(?<!\\.\\.)\\.)${bound.replace(/\$/g, "\\$")}(?![\\w$])`).test(block.code)) {
          fail(`${name}:${block.line} (${block.key}): the prelude provides "${bound}", which the block does not use`)
        }
      }
    }
    const test = isTest(block.code)
    const file = test
      ? (tests++ === 0 ? `${prefix}testing-example.test.ts` : `${prefix}testing-example-${tests}.test.ts`)
      : `${prefix}block-${String(block.index).padStart(2, "0")}.ts`
    const header = [
      `// Generated by scripts/readme.ts from ${name} (${block.key}): do not edit. Line numbers match ${name}.`,
      ...prelude
    ]
    // Blank lines up to the block's own line, so errors point at the document's line numbers.
    const padding = Math.max(0, block.line - 1 - header.length)
    const text = [
      ...header,
      ...Array.from({ length: padding }, () => ""),
      block.code,
      "",
      declared.length === 0 ? "export {}" : `export { ${declared.join(", ")} }`,
      ""
    ].join("\n")
    Fs.writeFileSync(Path.join(outDir, file), text)
    written.push(`  ${name}:${block.line} (${block.key}) → test/readme/${file}`)
  }
  if (unusedKeys.size > 0) {
    fail(`${name}: preludes for sections with no ts block (renamed heading?): ${[...unusedKeys].join(", ")}`)
  }
  return { blocks: blocks.length, tests }
}

const main = () => {
  Fs.rmSync(outDir, { recursive: true, force: true })
  Fs.mkdirSync(outDir, { recursive: true })
  const written: Array<string> = []
  const readme = writeDocument("README.md", "", preludes, written)
  if (readme.tests === 0) fail("README.md has no testing example (a ts block calling it.effect)")
  // MIGRATING.md: each "after" snippet compiles against the package as it is (self-contained: no preludes); the
  // "before" snippets are Effect 3 code, fenced `ts no-check`.
  const migrating = writeDocument("MIGRATING.md", "migrating-", {}, written)
  console.log(`README.md: ${readme.blocks} ts blocks; MIGRATING.md: ${migrating.blocks}\n${written.join("\n")}`)
}

main()
