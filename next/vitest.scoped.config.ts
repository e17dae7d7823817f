import base from "./vitest.config.js"

// The test files of one mutation scope (stryker.hardening.config.mjs sets MUTATE_TESTS): vitest runs only these, for
// the dry run and for every mutant — a static mutant (code run when a module loads) re-runs all of them. The base
// config's `include` is replaced, not merged (mergeConfig would concatenate the two lists).
const only = (process.env["MUTATE_TESTS"] ?? "").split(",").map((file) => file.trim()).filter((file) => file !== "")

export default only.length === 0 ? base : { ...base, test: { ...base.test, include: only } }
