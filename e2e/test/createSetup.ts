/**
 * What the e2e create tests share: one emulator and a scratch directory per test file, each adapter's
 * layer pointed at it, the requests they send, and the check that a repeated custom_id is refused before
 * anything is sent.
 */
import { BatchProvider, Create, NodeClient } from "@batchctl/core"
import { Emulator } from "@batchctl/emulator"
import type * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, assert, beforeAll } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** An adapter's `layer`. */
export type Factory = (options: {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}) => Layer.Layer<BatchProvider.BatchProvider, unknown, HttpClient.HttpClient>

/** `n` chat requests `req-0`… naming `model`. */
export const requests = (n: number, model = "m-1") =>
  Array.from({ length: n }, (_, i) => ({
    customId: `req-${i}`,
    body: { model, max_tokens: 16, messages: [{ role: "user", content: `question ${i}` }] }
  }))

export interface Setup {
  readonly emu: Emulator.Handle
  readonly dir: string
  /** The adapter's layer against the emulator, over `NodeClient`. */
  readonly layer: (factory: Factory, provider: Emulator.VendorName) => Layer.Layer<BatchProvider.BatchProvider, unknown>
  /** A JSONL file whose 4th line repeats the 2nd is refused naming both lines, and no batch is stored. */
  readonly refusesRepeatedCustomId: (factory: Factory, provider: Emulator.VendorName) => Promise<void>
}

/** Starts an emulator (speed 0: the tests step its clock) before the file's tests and closes it after. */
export const useEmulator = (options: { readonly apiKey: string; readonly seed: number }): Setup => {
  let emu: Emulator.Handle | undefined
  let dir: string | undefined
  beforeAll(async () => {
    emu = await Emulator.start({ speed: 0, apiKey: options.apiKey, seed: options.seed })
    dir = mkdtempSync(join(tmpdir(), "batchctl-e2e-create-"))
  })
  afterAll(async () => {
    await emu?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })
  const setup: Setup = {
    get emu() {
      if (emu === undefined) throw new Error("the emulator is started in beforeAll")
      return emu
    },
    get dir() {
      if (dir === undefined) throw new Error("the directory is made in beforeAll")
      return dir
    },
    layer: (factory, provider) =>
      factory({ apiKey: Redacted.make(options.apiKey), baseUrl: setup.emu.baseUrl(provider) }).pipe(
        Layer.provide(NodeClient.layer)
      ),
    refusesRepeatedCustomId: async (factory, provider) => {
      const path = join(setup.dir, `${provider}-dup.jsonl`)
      const lines = requests(3).map((r) => JSON.stringify({ custom_id: r.customId, body: r.body }))
      lines.push(lines[1] ?? "")
      writeFileSync(path, `${lines.join("\n")}\n`)
      const before = setup.emu.batchIds(provider).length
      const result = await Effect.runPromise(
        Effect.either(Effect.flatMap(BatchProvider.BatchProvider, (p) => p.create(Create.jsonlFile(path)))).pipe(
          Effect.provide(setup.layer(factory, provider))
        )
      )
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "InvalidRequest")
        assert.include(result.left.message, "line 4")
        assert.include(result.left.message, "repeats line 2")
      }
      assert.strictEqual(setup.emu.batchIds(provider).length, before)
    }
  }
  return setup
}
