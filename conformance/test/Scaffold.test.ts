/**
 * `scaffold` and `--init --family`: a new provider's package in the shape of its wire family, which
 * builds as written (every family's adapter is type-checked against the core's public entry points),
 * and whose templates name the family's paths, not OpenAI's.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator, type Profile } from "@batchctl/emulator"
import { BatchProvider, Lifecycle } from "@batchctl/core"
import { FetchHttpClient } from "@effect/platform"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { Cli, Init, Scaffold, Scenarios } from "../src/index.js"

// Inside the package, so that @batchctl/core resolves as an installed package would.
const scratch = fileURLToPath(new URL("../.scratch", import.meta.url))
mkdirSync(scratch, { recursive: true })
const made: Array<string> = []
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})
const tmp = (name: string) => {
  const d = mkdtempSync(join(scratch, `${name}-`))
  made.push(d)
  return d
}
const tsc = fileURLToPath(new URL("../../node_modules/.bin/tsc", import.meta.url))

const run = async (argv: ReadonlyArray<string>, cwd: string) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(argv, { cwd, env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t) })
  return { code, out: out.join("\n"), err: err.join("\n") }
}

const fixture = (fixtures: string, provider: string, key: string) =>
  JSON.parse(readFileSync(join(fixtures, provider, `${key}.json`), "utf8")) as {
    readonly input: Record<string, unknown>
    readonly exchanges: ReadonlyArray<{
      readonly request: { readonly method: string; readonly url: string; readonly auth?: string }
    }>
    readonly expect: Record<string, Record<string, unknown>>
  }

describe("scaffold", () => {
  it("writes the package, its fixture templates and its emulator profile; each family's adapter type-checks", {
    timeout: 120_000
  }, async () => {
    const root = tmp("families")
    for (const family of Init.familyIds) {
      const r = await run(
        [
          "scaffold",
          "--provider",
          `v-${family}`,
          "--family",
          family,
          "--base-url",
          "https://api.vendor.test/v2",
          "--dir",
          family
        ],
        root
      )
      expect(r.err).toBe("")
      expect(r.code).toBe(0)
      const dir = join(root, family)
      const ns = Scaffold.namespaceOf(`v-${family}`)
      for (const file of [
        "package.json",
        "tsconfig.json",
        "README.md",
        "src/index.ts",
        `src/${ns}.ts`,
        `emulator/v-${family}.profile.mjs`,
        "fixtures/expectations.json"
      ]) {
        expect(existsSync(join(dir, file)), `${family}: ${file}`).toBe(true)
      }
      expect(readdirSync(join(dir, "fixtures", `v-${family}`)).length).toBe(Scenarios.all.length)
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
      expect(manifest.name).toBe(`batchctl-v-${family}`)
      expect(Object.keys(manifest.dependencies)).toEqual(["@batchctl/core"])
      expect(manifest.dependencies["@batchctl/core"]).toMatch(/^\^\d+\.\d+\.\d+/)
      const source = readFileSync(join(dir, "src", `${ns}.ts`), "utf8")
      expect(source).toContain('export const defaultBaseUrl = "https://api.vendor.test/v2"')
      expect(source).toContain('export const envPrefix = "V_' + family.toUpperCase().replace(/-/g, "_") + '"')
      // Only the public entry points: no internal module, no source or build path of a package.
      for (const [, spec] of source.matchAll(/from "([^"]+)"/g)) expect(spec).not.toMatch(/\/(internal|src|dist)\//)
      expect(readFileSync(join(dir, "emulator", `v-${family}.profile.mjs`), "utf8")).toContain(`name: "v-${family}"`)
    }
    // One program over the six adapters, under the scaffold's own compiler options.
    const options = JSON.parse(readFileSync(join(root, "openai", "tsconfig.json"), "utf8")).compilerOptions
    writeFileSync(
      join(root, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { ...options, rootDir: undefined, outDir: undefined, declaration: false, noEmit: true },
        include: Init.familyIds.map((f) => `${f}/src`)
      })
    )
    const checked = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(tsc, ["-p", join(root, "tsconfig.json")], { cwd: root, timeout: 110_000 }, (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          out: `${stdout}${stderr}`
        })
      )
    )
    expect(checked.out).toBe("")
    expect(checked.code).toBe(0)

    // Each family's adapter, as scaffolded, against the emulator playing its scaffolded profile: the
    // cancel reaches the batch, and a listing in pages of one follows every cursor.
    const profiles = await Promise.all(
      Init.familyIds.map(async (family) => {
        const module = (await import(
          pathToFileURL(join(root, family, "emulator", `v-${family}.profile.mjs`)).href
        )) as Record<string, unknown>
        return Object.values(module)[0] as Profile.VendorProfile
      })
    )
    const emulator = await Emulator.start({ vendors: profiles, builtins: false, speed: 0 })
    try {
      for (const family of Init.familyIds) {
        const provider = `v-${family}`
        const adapter = (await import(
          pathToFileURL(join(root, family, "src", `${Scaffold.namespaceOf(provider)}.ts`)).href
        )) as {
          readonly layer: (o: {
            apiKey: Redacted.Redacted<string>
            baseUrl: string
          }) => Layer.Layer<BatchProvider.BatchProvider, unknown>
        }
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) ids.push((await emulator.createBatch({ provider, requests: 2 })).id)
        const baseUrl = emulator.baseUrl(provider) + (family === "anthropic" ? "/v1" : "")
        const layer = adapter
          .layer({ apiKey: Redacted.make("sk-emulated"), baseUrl })
          .pipe(Layer.provide(FetchHttpClient.layer))
        const { cancelled, listed } = await Effect.runPromise(
          Effect.gen(function* () {
            const provided = yield* BatchProvider.BatchProvider
            const cancelled = yield* provided.cancel(ids[0]!)
            const listed = yield* Stream.runCollect(Lifecycle.listAll({ limit: 1 }))
            return { cancelled, listed: Chunk.toReadonlyArray(listed).map((b) => b.id) }
          }).pipe(Effect.provide(layer))
        )
        expect(cancelled.id, family).toBe(ids[0])
        // The scaffold reads OpenAI's status words until the vendor's are filled in; Anthropic's are its own.
        if (family !== "anthropic")
          expect(cancelled.status, family).toBe(family === "operation" ? "cancelled" : "cancelling")
        expect([...listed].sort(), family).toEqual([...ids].sort())
      }
    } finally {
      await emulator.close()
    }
  })

  it("never overwrites a file without --force, and keeps fixtures even with it", async () => {
    const dir = tmp("again")
    expect((await run(["scaffold", "--provider", "lumen", "--family", "page-number", "--dir", "."], dir)).code).toBe(0)
    const mine = join(dir, "fixtures", "lumen", "cancel.in-progress.json")
    writeFileSync(mine, "{}")
    const again = await run(["scaffold", "--provider", "lumen", "--family", "page-number", "--dir", "."], dir)
    expect(again.code).toBe(2)
    expect(again.err).toContain("package.json")
    expect(again.err).toContain("--force")
    const forced = await run(
      ["scaffold", "--provider", "lumen", "--family", "page-number", "--dir", ".", "--force"],
      dir
    )
    expect(forced.code).toBe(0)
    expect(forced.out).toContain(`kept ${Scenarios.all.length} fixtures`)
    expect(readFileSync(mine, "utf8")).toBe("{}")
  })

  it("refuses what cannot make a package, with exit code 2", async () => {
    const dir = tmp("bad")
    expect((await run(["scaffold", "--provider", "lumen"], dir)).code).toBe(2)
    const family = await run(["scaffold", "--provider", "lumen", "--family", "soap"], dir)
    expect(family.code).toBe(2)
    expect(family.err).toContain("page-number")
    const id = await run(["scaffold", "--provider", "../etc", "--family", "openai"], dir)
    expect(id.code).toBe(2)
    expect(id.err).toContain("provider id")
    expect(readdirSync(dir)).toEqual([])
  })
})

describe("--init --family", () => {
  it("writes each family's paths, auth, paging and refusal, not OpenAI's", async () => {
    const dir = tmp("init")
    for (const family of Init.familyIds) {
      const r = await run(
        ["--init", "f", "--provider", family, "--family", family, "--base-url", "https://api.v.test/v1"],
        dir
      )
      expect(r.code).toBe(0)
      expect(r.out).toContain(`family: ${family}`)
    }
    const f = join(dir, "f")
    const url = (family: string, key: string, i = 0) => fixture(f, family, key).exchanges[i]?.request.url
    expect(url("openai", "cancel.in-progress")).toBe("https://api.v.test/v1/batches/TODO-batch-id/cancel")
    expect(url("anthropic", "cancel.in-progress")).toBe("https://api.v.test/v1/messages/batches/TODO-batch-id/cancel")
    expect(fixture(f, "anthropic", "cancel.in-progress").exchanges[0]?.request.auth).toBe("x-api-key")
    expect(url("operation", "cancel.in-progress")).toBe("https://api.v.test/v1/batches/TODO-batch-id:cancel")
    // A cancel that answers no batch is followed by the retrieve.
    expect(fixture(f, "operation", "cancel.in-progress").exchanges.map((e) => e.request.method)).toEqual([
      "POST",
      "GET"
    ])
    expect(url("page-number", "list.first-page")).toBe("https://api.v.test/v1/batches?page=0&page_size=2")
    expect(fixture(f, "page-number", "list.first-page").expect.page?.nextCursor).toBe("page:1")
    expect(fixture(f, "page-number", "list.next-page").input).toEqual({ limit: 2, after: "page:1" })
    expect(url("page-token", "list.next-page")).toBe("https://api.v.test/v1/batches?page_size=2&page_token=TODO-cursor")
    expect(url("cursor", "list.next-page")).toBe("https://api.v.test/v1/batches?limit=2&cursor=TODO-cursor")
    expect(url("operation", "list.next-page")).toBe("https://api.v.test/v1/batches?pageSize=2&pageToken=TODO-cursor")
    expect(fixture(f, "operation", "results.completed").exchanges.length).toBe(1)
    expect(fixture(f, "openai", "cancel.completed").exchanges.map((e) => e.request.method)).toEqual(["POST", "GET"])
    const refusal = (family: string) =>
      (
        JSON.parse(readFileSync(join(dir, "f", family, "cancel.completed.json"), "utf8")) as {
          exchanges: Array<{ response: { status: number } }>
        }
      ).exchanges[0]?.response.status
    expect([refusal("openai"), refusal("anthropic"), refusal("page-number")]).toEqual([409, 400, 400])
  })

  it("without --family it is OpenAI's shape, as before; an unknown family is a usage error", async () => {
    const dir = tmp("default")
    expect((await run(["--init", "f", "--provider", "acme"], dir)).code).toBe(0)
    expect(
      JSON.parse(readFileSync(join(dir, "f", "acme", "cancel.in-progress.json"), "utf8")).exchanges[0].request.url
    ).toBe("https://TODO.api.example/v1/batches/TODO-batch-id/cancel")
    const bad = await run(["--init", "f", "--provider", "acme", "--family", "soap"], dir)
    expect(bad.code).toBe(2)
    expect(bad.err).toContain("unknown family soap")
  })
})
