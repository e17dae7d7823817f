import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as Endpoints from "./src/cli/Endpoints.ts"
import { run } from "./src/cli/main.ts"
const realOut = process.stdout.write.bind(process.stdout)
const cli = async (args: ReadonlyArray<string>) => {
  let stdout = ""
  process.stdout.write = ((c: any) => { stdout += String(c); return true }) as any
  try { const code = await Effect.runPromise(run(["node", "x", ...args]).pipe(Effect.provide(NodeServices.layer))); return { code, stdout } }
  finally { process.stdout.write = realOut as any }
}
let problems = 0
const specs = Endpoints.specs()
console.log("specs", specs.length)
for (const spec of specs) {
  const h = await cli([spec.group, spec.command, "--help"])
  const d = spec.service.definition
  if (h.code !== 0 || !h.stdout.includes(`${d.method} ${d.path}`)) { problems++; console.log("BAD", spec.command, h.code) }
  const ast = d.request.ast as AST.AST
  const props = AST.isObjects(ast) ? ast.propertySignatures : []
  for (const p of props) {
    const name = String(p.name)
    const flag = name.replace(/_/g, "-")
    if (!h.stdout.includes(`--${flag}`) || !h.stdout.includes(`${name}: ${AST.isOptional(p.type) ? "optional" : "required"}`)) { problems++; console.log("BAD field", spec.command, name) }
    try {
      const json = Schema.toJsonSchemaDocument(Schema.make(p.type)).schema as any
      if (json.maxLength !== undefined && name !== "phone_number" && !new RegExp(`${name}: [^\\n]*${json.maxLength} characters`).test(h.stdout)) { problems++; console.log("BAD max", spec.command, name, json.maxLength) }
    } catch (e) { }
  }
}
console.log("problems", problems)
const l = await cli(["membercard", "list-card-templates", "--help"]); console.log(l.stdout.includes("offset: required; integer; ≥ 0"), /limit: required; integer;[^\n]*≤ 20/.test(l.stdout), /\u001b\[/.test(l.stdout))
const b = await cli(["membercard", "prepare-bonus", "--help"]); console.log(b.stdout.includes("bonus_value: required; integer; ≥ 1"))
const c = await cli(["membercard", "create-card-template", "--help"]); console.log(c.stdout.includes("code_type: required; one of BAR_CODE, QRCODE, BAR_CODE_AND_QRCODE, NONE_CODE"), /date_information: required; JSON object \{type, /.test(c.stdout), c.stdout.includes("title: required; string; 1–10 characters"))
const p = await cli(["membercard", "import-user-card-by-phone", "--help"]); console.log(p.stdout.includes("phone_number: required; secret string"))
const u = await cli(["media", "upload-image", "--help"]); console.log(u.stdout.includes("file: required; path of a file"))
const v = await cli(["--version"]); console.log(JSON.stringify(v))
