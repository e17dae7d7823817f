/**
 * The runtime smoke harness (runtimes/, run by CI after vitest): the README's "Runtimes" lines are the ones the harness
 * runs, its list of pairs not yet expected to pass names real pairs, and workerd's global-scope reports are traced to
 * the module that caused them. The runtimes themselves run in `npx tsx runtimes/run.ts`, not here.
 *
 * And what lets the package run there, read from the sources: the entry points' import graphs (no node: module, no
 * @effect/platform-node, server and HttpClient modules loaded lazily) and the package's exports.
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { codeGenerationNote, expectedToFail, globalScopeReports } from "../runtimes/run.js"
import { readmeLines, scriptRuntimes } from "../runtimes/runtimes.js"
import { checkNames } from "../runtimes/smoke.js"
import vitestConfig from "../vitest.config.js"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const section = readme.slice(readme.indexOf("\n## Runtimes\n"), readme.indexOf("\n## Transports\n"))

/** The line after a `// runtimes:<name>` marker in a runtimes/ source, trimmed. */
const marked = (file: string, name: string): string => {
  const lines = readFileSync(new URL(`../runtimes/${file}`, import.meta.url), "utf8").split("\n")
  const at = lines.findIndex((line) => line.trim() === `// runtimes:${name}`)
  expect(at, `marker runtimes:${name} in ${file}`).toBeGreaterThan(-1)
  return lines[at + 1]!.trim()
}

describe("README Runtimes", () => {
  it("sits just before Transports", () => {
    expect(readme.indexOf("\n## Runtimes\n")).toBeGreaterThan(-1)
    expect(readme.indexOf("\n## Runtimes\n")).toBeLessThan(readme.indexOf("\n## Transports\n"))
  })

  it("shows the client setup of the smoke programme", () => {
    expect(section).toContain(`\`${marked("smoke.ts", "setup")}\``)
  })

  it("shows the Worker handler of the smoke programme", () => {
    expect(section).toContain(`\`${marked("worker.ts", "handler")}\``)
  })

  it("has one line per runtime, rendered from the commands and bundle options CI runs", () => {
    for (const line of readmeLines()) expect(section).toContain(line)
  })
})

describe("harness", () => {
  it("lists as expected to fail only pairs that exist", () => {
    const runtimes = new Set<string>([...scriptRuntimes.map((r) => r.runtime), "workerd", "workerd-nodejs_compat"])
    const checks = new Set<string>([
      ...checkNames,
      "*",
      "no disallowed operation in global scope"
    ])
    for (const pair of Object.keys(expectedToFail)) {
      const [runtime, check] = pair.split(/\/(.*)/s) as [string, string]
      if (runtime === "bundle") expect(check).toBe("Worker bundle imports no node: module")
      else {
        expect(runtimes.has(runtime), pair).toBe(true)
        expect(checks.has(check), pair).toBe(true)
      }
    }
  })

  it("traces a workerd global-scope report to the bundled module that made it", () => {
    const bundle = [
      "// node_modules/effect/dist/Effect.js",
      "var a = 1;",
      "// node_modules/effect/dist/http/HttpClient.js",
      "const registry = new FinalizationRegistry((controller) => {",
      "  controller.abort();",
      "});"
    ].join("\n")
    const offset = bundle.indexOf("controller.abort")
    const line = "workerd/io/worker.c++:1108: error: NOSENTRY V8 message callback; message = Uncaught Error: " +
      "Disallowed operation called within global scope. …; scriptLocation = file:///x/smoke-worker.mjs:" +
      `${offset}; kj::getStackTrace() = …`
    expect(globalScopeReports(`other\n${line}\n`, bundle)).toEqual([
      "bundle offset " + offset + " in node_modules/effect/dist/http/HttpClient.js: `controller.abort();`"
    ])
  })

  it("notes whether a Worker bundle holds Schema's JIT, which needs code generation workerd refuses", () => {
    const refused = "refused (EvalError: Code generation from strings disallowed for this context)"
    expect(codeGenerationNote(refused, "// node_modules/effect/dist/Schema.js\nvar a = 1;"))
      .toContain("holds no Schema JIT")
    expect(codeGenerationNote(refused, "// node_modules/effect/dist/schema/SchemaJITCompiler.js\nvar a = 1;"))
      .toContain("interprets where code generation is refused")
  })
})

/** The module specifiers a source file imports, by kind: value imports and re-exports, side-effect imports, `import()`. */
const importsOf = (text: string): { readonly static: ReadonlyArray<string>; readonly dynamic: ReadonlyArray<string> } => ({
  // Not `import type` / `export type` (erased), but `import { type A, b }` (kept).
  static: [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;"]*?\bfrom\s+"([^"]+)"|^import\s+"([^"]+)"/gm)]
    .map((match) => (match[1] ?? match[2])!),
  dynamic: [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]!)
})

/**
 * Every source module an entry loads and what each imports: with `lazy`, the modules it may load later through
 * `import()` too (a bundler includes them, and a runtime must be able to resolve them).
 */
const graph = (entry: URL, lazy = false): ReadonlyMap<string, ReadonlyArray<string>> => {
  const seen = new Map<string, ReadonlyArray<string>>()
  const visit = (url: URL) => {
    if (seen.has(url.pathname)) return
    const imports = importsOf(readFileSync(url, "utf8"))
    const specifiers = lazy ? [...imports.static, ...imports.dynamic] : imports.static
    seen.set(url.pathname, specifiers)
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) visit(new URL(specifier.replace(/\.js$/, ".ts"), url))
    }
  }
  visit(entry)
  return seen
}

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Readonly<Record<string, { readonly import: string } | string | null>>
}

/** Each package.json export (`.`, `./testing`, `./MemberCard`, …) with the source file its `import` is built from. */
const entryPoints = Object.entries(manifest.exports).flatMap(([key, target]) =>
  typeof target === "object" && target !== null
    ? [[key, new URL(`../${target.import.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")}`, import.meta.url)] as const]
    : []
)

/** Node's built-in modules, with or without the `node:` scheme. */
const nodeBuiltin = /^node:|^(fs|http|https|crypto|buffer|net|tls|os|path|stream|url|util|zlib|child_process|events)(\/|$)/

describe("the root entry's static import graph (src/index.ts)", () => {
  const root = new URL("../src/index.ts", import.meta.url)

  it("imports no node: module (a Worker without nodejs_compat loads it; node's modules are found at run time)", () => {
    const modules = graph(root)
    expect(modules.size).toBeGreaterThan(30)
    for (const [file, specifiers] of modules) {
      for (const specifier of specifiers) expect(specifier, file).not.toMatch(nodeBuiltin)
    }
  })

  it("loads no effect/http module: Notification.httpApp's server side and the HttpClient transport are imported on first use", () => {
    const modules = graph(root)
    const all = [...modules.values()].flat()
    expect(all).toContain("effect/Schema")
    // The package's own index re-exports the server modules too.
    for (const specifier of all) expect(specifier).not.toMatch(/^effect\/http(\/|$)/)
    expect([...modules.keys()].some((file) => file.endsWith("/notification/http.ts"))).toBe(false)
    expect([...modules.keys()].some((file) => file.endsWith("/HttpClientTransport.ts"))).toBe(false)
    expect([...modules.keys()].some((file) => file.endsWith("/notification/Events.ts"))).toBe(true)
    // … and they are there, loaded lazily.
    const lazy = [...graph(root, true).keys()]
    expect(lazy.some((file) => file.endsWith("/notification/http.ts"))).toBe(true)
    expect(lazy.some((file) => file.endsWith("/HttpClientTransport.ts"))).toBe(true)
  })
})

describe("every entry point's import graph, lazy imports included", () => {
  it("covers every export of package.json", () => {
    expect(entryPoints.length).toBe(Object.keys(manifest.exports).length - 2)
    expect(entryPoints.map(([key]) => key)).toContain("./testing")
  })

  it("no entry loads @effect/platform-node (an optional peer: only the CLI's bin uses it)", () => {
    for (const [key, entry] of entryPoints) {
      for (const [file, specifiers] of graph(entry, true)) {
        for (const specifier of specifiers) expect(specifier, `${key}: ${file}`).not.toMatch(/^@effect\/platform-node(\/|$)/)
      }
    }
  })

  it("the shared stores need only effect: no @effect/sql-pg, redis or platform-node (the user's layer brings them)", () => {
    const stores = entryPoints.filter(([key]) => key.startsWith("./NotificationStore/"))
    expect(stores.map(([key]) => key).sort()).toEqual(["./NotificationStore/Postgres", "./NotificationStore/Redis"])
    for (const [key, entry] of stores) {
      const specifiers = [...graph(entry, true).values()].flat()
      expect(specifiers, key).toContain(key.endsWith("Redis") ? "effect/persistence/Redis" : "effect/sql/SqlClient")
      for (const specifier of specifiers) expect(specifier, key).toMatch(/^(effect\/|\.)/)
    }
  })

  it("no other entry loads the shared stores, so a user of neither installs neither", () => {
    for (const [key, entry] of entryPoints) {
      if (key.startsWith("./NotificationStore/")) continue
      for (const [file, specifiers] of graph(entry, true)) {
        expect(file, key).not.toMatch(/\/NotificationStore\//)
        for (const specifier of specifiers) expect(specifier, `${key}: ${file}`).not.toMatch(/^(@effect\/sql|redis)/)
      }
    }
  })

  it("no entry but ./testing (the emulator serves over node:http) loads a node: module, even lazily", () => {
    for (const [key, entry] of entryPoints) {
      if (key === "./testing") continue
      for (const [file, specifiers] of graph(entry, true)) {
        for (const specifier of specifiers) expect(specifier, `${key}: ${file}`).not.toMatch(nodeBuiltin)
      }
    }
  })
})

describe("the emulator's console (src/testing/console/) adds nothing to the library's entry points", () => {
  const inConsole = (file: string) => file.includes("/src/testing/console/")

  it("no entry point loads it statically, not even ./testing: it is loaded when a console is asked for", () => {
    for (const [key, entry] of entryPoints) {
      for (const file of graph(entry).keys()) expect(file, key).not.satisfy(inConsole)
    }
  })

  it("only ./testing can reach it, through the one import() of Emulator.serve's { console: true }", () => {
    for (const [key, entry] of entryPoints) {
      const reached = [...graph(entry, true).keys()].filter(inConsole)
      if (key !== "./testing") expect(reached, key).toEqual([])
      else expect(reached.map((file) => file.replace(/.*\/src\/testing\/console\//, "")).sort()).toEqual(["api.ts", "page.ts", "server.ts"])
    }
    const importers = [...graph(new URL("../src/testing/index.ts", import.meta.url), true)]
      .filter(([file, specifiers]) => !inConsole(file) && specifiers.some((specifier) => specifier.includes("console/")))
      .map(([file]) => file.replace(/.*\/src\//, "src/"))
    expect(importers).toEqual(["src/testing/internal/server.ts"])
    const text = readFileSync(new URL("../src/testing/internal/server.ts", import.meta.url), "utf8")
    expect(importsOf(text).static.filter((specifier) => specifier.includes("console/"))).toEqual([])
    expect(importsOf(text).dynamic).toEqual(["../console/server.js"])
  })
})

describe("src/ imports", () => {
  const files = (dir: URL): ReadonlyArray<URL> =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? files(new URL(`${entry.name}/`, dir))
        : entry.name.endsWith(".ts")
        ? [new URL(entry.name, dir)]
        : []
    )
  const sources = files(new URL("../src/", import.meta.url)).map((url) => {
    const imports = importsOf(readFileSync(url, "utf8"))
    return { file: url.pathname.slice(url.pathname.lastIndexOf("/src/") + 1), specifiers: [...imports.static, ...imports.dynamic] }
  })

  it("@effect/platform-node only in the CLI", () => {
    const users = sources.filter(({ specifiers }) => specifiers.some((s) => /^@effect\/platform-node(\/|$)/.test(s)))
    // The CLI's bin does use it (imported there with `import()`): the search sees such imports.
    expect(users.length).toBeGreaterThan(0)
    for (const { file } of users) expect(file).toMatch(/^src\/cli\//)
  })

  it("Effect 4 only, by module path: no Effect 3 package (@effect/platform, @effect/cli, @effect/printer*), no barrel", () => {
    expect(sources.length).toBeGreaterThan(50)
    for (const { file, specifiers } of sources) {
      for (const specifier of specifiers) {
        expect(specifier, file).not.toMatch(/^@effect\/(platform|cli|printer[\w-]*)(\/|$)/)
        expect(specifier, file).not.toMatch(/^effect(\/(http|cli|testing))?$/)
      }
    }
  })
})

describe("package.json exports", () => {
  const index = readFileSync(new URL("../src/index.ts", import.meta.url), "utf8")
  const modules = [...index.matchAll(/^export \* as (\w+) from "\.\/(\w+)\.js"/gm)].map((match) => match[2]!)

  it("every module of the root entry by its own path (effect-wechatpay/MemberCard…), so a bundle keeps only what is used", () => {
    expect(modules.length).toBeGreaterThan(15)
    for (const name of modules) {
      expect(manifest.exports[`./${name}`], name).toEqual({ types: `./dist/${name}.d.ts`, import: `./dist/${name}.js` })
    }
  })

  it("tsconfig paths and vitest's aliases resolve exactly the exported paths (no test reaches a closed one)", () => {
    const tsconfig = JSON.parse(readFileSync(new URL("../tsconfig.json", import.meta.url), "utf8")) as {
      readonly compilerOptions: { readonly paths: Readonly<Record<string, unknown>> }
    }
    const exported = Object.keys(manifest.exports).filter((key) => key !== "./package.json" && key !== "./internal/*")
    expect(Object.keys(tsconfig.compilerOptions.paths).sort())
      .toEqual(exported.map((key) => key === "." ? "effect-wechatpay" : `effect-wechatpay/${key.slice(2)}`).sort())
    const aliases = (vitestConfig.resolve?.alias ?? []) as ReadonlyArray<{ readonly find: RegExp }>
    const resolves = (specifier: string) => aliases.some(({ find }) => find.test(specifier))
    for (const key of exported) {
      expect(resolves(key === "." ? "effect-wechatpay" : `effect-wechatpay/${key.slice(2)}`), key).toBe(true)
    }
    for (const closed of ["effect-wechatpay/index", "effect-wechatpay/internal/aead", "effect-wechatpay/cli/main"]) {
      expect(resolves(closed), closed).toBe(false)
    }
  })

  it("nothing else but the root, ./testing, ./HttpClientTransport and package.json; internals closed", () => {
    const others = Object.keys(manifest.exports).filter((key) => !modules.includes(key.slice(2)))
    expect(others.sort()).toEqual([
      ".",
      "./BrandCardMember",
      "./BrandClient",
      "./HttpClientTransport",
      "./Merchants",
      "./NotificationStore/Postgres",
      "./NotificationStore/Redis",
      "./PartnerCardMember",
      "./RateLimit",
      "./internal/*",
      "./package.json",
      "./testing"
    ])
    expect(manifest.exports["./internal/*"]).toBeNull()
  })
})
