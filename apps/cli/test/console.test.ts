/**
 * `batchctl console` in a real browser: the built CLI serves the six providers of an emulator (the keys
 * and base URLs in the environment, as a user sets them), and Chromium (from @sparticuz/chromium's npm
 * package, no download) loads the page, filters, cancels a selection through its confirmation, watches
 * the rows turn cancelling then cancelled, opens partial results and downloads them. The key is looked
 * for in the page, every request and answer, and the terminal; axe-core checks accessibility. Plus the
 * server's refusals, without a browser.
 *
 * Screenshots go to $BATCHCTL_SCREENSHOTS (default: <tmp>/batchctl-console). With
 * BATCHCTL_CONSOLE_BATCHES=10000 the same test runs against 10,000 batches and prints the first paint
 * and the page weight.
 */
import { Fleet } from "@batchctl/console"
import { Emulator } from "@batchctl/emulator"
import chromium from "@sparticuz/chromium"
import { mkdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Browser, type BrowserContext, chromium as playwright, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CANARY, start, until } from "./helpers.js"

const BATCHES = Number(process.env.BATCHCTL_CONSOLE_BATCHES ?? "120")
const shots = process.env.BATCHCTL_SCREENSHOTS ?? join(tmpdir(), "batchctl-console")
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

let emulator: Emulator.Handle
let server: ReturnType<typeof start>
let openUrl: string
let origin: string
let total: number
let browser: Browser
let context: BrowserContext
let page: Page
/** Every request the page sent and every answer it got, as text, for the key check. */
const traffic: Array<string> = []

const counts = () => page.locator("#counts").textContent()

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  // A cancel takes 3 s to settle, so that "cancelling" is on screen before "cancelled".
  emulator = await Emulator.start({ apiKey: CANARY, meshapiActiveLimit: 100_000, timings: { cancellingMs: 3_000 } })
  total = await Fleet.seed(emulator, { count: BATCHES, apiKey: CANARY })
  const env: Record<string, string> = {}
  for (const p of Emulator.providers) {
    env[`${p.toUpperCase()}_API_KEY`] = CANARY
    env[`${p.toUpperCase()}_BASE_URL`] = emulator.baseUrl(p)
  }
  server = start(["console", "--port", "0", "--refresh", "10s"], {
    env: { ...env, BATCHCTL_COLOR: "never" },
    timeoutMs: 600_000
  })
  await until(() => /token=/.test(server.stdout()), 30_000)
  openUrl = /(http:\/\/\S+token=\S+)/.exec(server.stdout())![1]!
  origin = new URL(openUrl).origin
  const executablePath = await chromium.executablePath()
  // Its arguments (for serverless functions) include --disable-web-security, with which Chromium sends no
  // Origin header and ignores same-origin rules: the page is tested as a person's browser would run it.
  const args = chromium.args.filter(
    (a) => !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)$/.test(a)
  )
  browser = await playwright.launch({ executablePath, args: [...args, "--headless"], headless: true })
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
  page.on("request", (r) => {
    traffic.push(r.url(), JSON.stringify(r.headers()), r.postData() ?? "")
  })
  page.on("response", async (r) => {
    traffic.push(JSON.stringify(r.headers()))
    // The long poll may still be open when the test ends.
    if (!r.url().includes("wait=1")) traffic.push(await r.text().catch(() => ""))
  })
}, 180_000)

afterAll(async () => {
  if (process.env.DEBUG_CONSOLE) console.log(server?.stderr())
  await browser?.close()
  server?.child.kill("SIGINT")
  await server?.done
  await emulator?.close()
})

describe("batchctl console in Chromium", () => {
  it("loads every batch of the six providers, newest first, with only the rows in view in the DOM", async () => {
    await page.goto(openUrl)
    // The token traded for the cookie leaves the address bar.
    expect(page.url()).toBe(`${origin}/`)
    await until(
      async () => (await counts()) === `${total.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} batches`,
      120_000
    )
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming
      const rows = performance.getEntriesByName("batchctl-rows")[0]
      const resources = performance.getEntriesByType("resource") as Array<PerformanceResourceTiming>
      return {
        rowsAt: rows?.startTime,
        bytes: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0),
        decoded: nav.decodedBodySize + resources.reduce((a, r) => a + r.decodedBodySize, 0)
      }
    })
    console.log(
      `console: ${total} batches: rows on screen ${Math.round(timing.rowsAt ?? -1)} ms after navigation; page weight ${timing.bytes} bytes transferred (${timing.decoded} decoded)`
    )
    const rendered = await page.locator("#rows tr[data-key]").count()
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(100)
    // Newest first: the fleet's metadata batches were created last.
    const ages = await page.locator("#rows tr[data-key] td:nth-child(6)").allTextContents()
    expect(ages.length).toBeGreaterThan(10)
    const providers = await page.locator("#providers li").allTextContents()
    expect(providers.map((p) => p.split(" ")[0])).toEqual([
      "anthropic",
      "openai",
      "moonshot",
      "together",
      "respan",
      "meshapi"
    ])
    // Scrolling to the end renders the last rows.
    await page.locator("#scroller").evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await until(
      async () => (await page.locator("#rows tr[data-key]").last().getAttribute("aria-rowindex")) === String(total + 1)
    )
    await page.locator("#scroller").evaluate((el) => el.scrollTo(0, 0))
    await page.screenshot({ path: join(shots, "console-loaded.png") })
  }, 150_000)

  it("filters by metadata, provider and status", async () => {
    await page.fill("#meta-filter", "prompt=v8")
    await until(async () => (await counts())?.startsWith("4 of ") === true)
    const rows = await page.locator("#rows tr[data-key] td:nth-child(2)").allTextContents()
    expect(rows.sort()).toEqual(["meshapi", "moonshot", "openai", "respan"])
    await page.locator("#provider-filter label", { hasText: "openai" }).locator("input").check()
    await until(async () => (await counts())?.startsWith("1 of ") === true)
    await page.locator("#provider-filter label", { hasText: "openai" }).locator("input").uncheck()
    await page.fill("#meta-filter", "")
    await page.selectOption("#status-filter", "completed")
    await until(async () => !(await counts())?.startsWith(`${total.toLocaleString("en-US")} of`))
    const statuses = new Set(await page.locator("#rows tr[data-key] .status").allTextContents())
    expect([...statuses]).toEqual(["completed"])
    await page.selectOption("#status-filter", "")
  }, 60_000)

  it("cancels a selection after a confirmation naming how many on which providers, and the rows turn cancelling then cancelled", async () => {
    await page.fill("#meta-filter", "prompt=v8")
    await until(async () => (await counts())?.startsWith("4 of ") === true)
    await page.check("#check-all")
    await expect.poll(() => page.locator("#cancel").textContent()).toBe("Cancel 4 selected…")
    await page.click("#cancel")
    const dialog = page.locator("#confirm")
    await expect.poll(() => dialog.isVisible()).toBe(true)
    expect(await page.locator("#confirm-title").textContent()).toBe("Cancel 4 batches?")
    expect(await page.locator("#confirm-text").textContent()).toContain("4 batches on 4 providers")
    expect((await page.locator("#confirm-list li").allTextContents()).sort()).toEqual([
      "meshapi: 1",
      "moonshot: 1",
      "openai: 1",
      "respan: 1"
    ])
    await page.screenshot({ path: join(shots, "console-confirm.png") })
    await page.click("#confirm-yes")
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 30_000 })
      .toContain("4 cancel requests: 4 accepted")
    const statuses = async () => {
      const providers = await page.locator("#rows tr[data-key] td:nth-child(2)").allTextContents()
      const states = await page.locator("#rows tr[data-key] .status").allTextContents()
      return providers
        .map((p, i) => `${p} ${states[i]}`)
        .sort()
        .join(", ")
    }
    const all = (status: string) => ["meshapi", "moonshot", "openai", "respan"].map((p) => `${p} ${status}`).join(", ")
    await expect.poll(statuses, { timeout: 15_000 }).toBe(all("cancelling"))
    await page.screenshot({ path: join(shots, "console-cancelling.png") })
    await expect.poll(statuses, { timeout: 30_000 }).toBe(all("cancelled"))
    await page.screenshot({ path: join(shots, "console-cancelled.png") })
    expect(server.stderr()).toContain("cancel: 4 batches asked (")
    expect(server.stderr()).toMatch(/cancel: openai: 1 accepted/)
  }, 90_000)

  it("shows a row's vendor object and partial results, and downloads them whole as JSONL", async () => {
    await page.locator("#rows tr[data-key]", { hasText: "openai" }).locator("button.link").click()
    await expect
      .poll(() => page.locator("#detail pre").first().textContent(), { timeout: 15_000 })
      .toContain('"status": "cancelled"')
    expect(await page.locator("#detail pre").first().textContent()).toContain('"prompt": "v8"')
    await page.click("#show-results")
    await expect.poll(() => page.locator("#detail .results li").count(), { timeout: 15_000 }).toBe(20)
    expect(await page.locator("#detail .results").textContent()).toContain("(more in the download)")
    await page.screenshot({ path: join(shots, "console-detail.png") })
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-results")])
    const path = await download.path()
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { customId: string; outcome: string })
    // Partial results: what finished before the cancel, and every request that never ran, as cancelled.
    expect(lines.length).toBe(4_000)
    expect(lines.some((l) => l.outcome === "succeeded")).toBe(true)
    expect(lines.some((l) => l.outcome === "cancelled")).toBe(true)
    expect(download.suggestedFilename()).toMatch(/^openai-batch_[0-9a-f]+-results\.jsonl$/)
    await page.click("#detail-close")
  }, 60_000)

  it("shows a refused cancel's error with its request id on the row and in the detail", async () => {
    await page.fill("#meta-filter", "")
    await page.selectOption("#status-filter", "completed")
    await expect
      .poll(async () => [...new Set(await page.locator("#rows tr[data-key] .status").allTextContents())])
      .toEqual(["completed"])
    const row = page.locator("#rows tr[data-key]", { hasText: "openai" }).first()
    const key = (await row.getAttribute("data-key"))!
    const [provider, id] = key.split("/") as [string, string]
    // A finished batch cannot be selected for cancel on the page; the server still answers for it.
    const answer = await page.evaluate(
      async ({ provider, id }) => {
        const token = document.querySelector('meta[name="batchctl-token"]')!.getAttribute("content")!
        const r = await fetch("/api/cancel", {
          method: "POST",
          headers: { "content-type": "application/json", "x-batchctl-token": token },
          body: JSON.stringify({ batches: [{ provider, id }] })
        })
        return r.json()
      },
      { provider, id }
    )
    expect(answer.outcomes[0].error.tag).toBe("InvalidBatchState")
    expect(answer.outcomes[0].error.requestId).toMatch(/^req_/)
    await expect.poll(() => page.locator(`tr[data-key="${key}"] .warn`).count()).toBe(1)
    await page.locator(`tr[data-key="${key}"] button.link`).click()
    await expect
      .poll(() => page.locator("#detail .error-box").textContent(), { timeout: 15_000 })
      .toContain(`request id: ${answer.outcomes[0].error.requestId}`)
    await page.click("#detail-close")
    await page.selectOption("#status-filter", "")
  }, 60_000)

  it("has no serious or critical accessibility violation (axe-core)", async () => {
    await page.evaluate(axeSource)
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<unknown> }> }> }
        }
      ).axe
      const result = await axe.run()
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }))
    })
    expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([])
  }, 60_000)

  it("never lets the key reach the page, its requests or the terminal", async () => {
    const html = await page.content()
    expect(html).not.toContain(CANARY)
    expect(traffic.length).toBeGreaterThan(10)
    for (const t of traffic) expect(t).not.toContain(CANARY)
    expect(server.stdout()).not.toContain(CANARY)
    expect(server.stderr()).not.toContain(CANARY)
  }, 150_000)
})

describe("batchctl console refuses", () => {
  const cookie = () => `batchctl_console_${new URL(openUrl).port}=${new URL(openUrl).searchParams.get("token")}`
  const cancelBody = JSON.stringify({ batches: [{ provider: "openai", id: "batch_0" }] })

  it("requests without the session cookie, and a wrong token in the URL", async () => {
    expect((await fetch(`${origin}/api/batches`)).status).toBe(401)
    expect((await fetch(`${origin}/`)).status).toBe(401)
    expect((await fetch(`${origin}/?token=wrong`, { redirect: "manual" })).status).toBe(403)
  })

  it("a Host that is a name (DNS rebinding)", async () => {
    const { request } = await import("node:http")
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const r = request(
        `${origin}/api/batches`,
        { headers: { host: `evil.example:${new URL(openUrl).port}`, cookie: cookie() } },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        }
      )
      r.on("error", reject)
      r.end()
    })
    expect(status).toBe(421)
  })

  it("a cancel from another origin, without an origin, or without the token", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${origin}/api/cancel`, {
        method: "POST",
        headers: { cookie: cookie(), "content-type": "application/json", ...headers },
        body: cancelBody
      })
    const token = new URL(openUrl).searchParams.get("token")!
    expect((await post({ origin: "http://evil.example", "x-batchctl-token": token })).status).toBe(403)
    expect((await post({ "x-batchctl-token": token })).status).toBe(403)
    expect((await post({ origin })).status).toBe(403)
    expect((await post({ origin, "x-batchctl-token": `${token}x` })).status).toBe(403)
    // The same request with everything in place goes through.
    expect((await post({ origin, "x-batchctl-token": token })).status).toBe(200)
    expect(server.stderr()).toContain("refused POST /api/cancel: cross-origin request from http://evil.example")
  })
})

describe("batchctl console, without a browser", () => {
  it("with no key set, says which variables to set and exits 2", async () => {
    const r = await start(["console"]).done
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no provider is configured: set one of ANTHROPIC_API_KEY, OPENAI_API_KEY")
    expect(r.stderr).toContain("--emulator")
  })

  it("--emulator serves its fleet on every provider, and Ctrl-C stops it", async () => {
    const fleet = start(["console", "--emulator", "--port", "0"], {
      env: { BATCHCTL_COLOR: "never" },
      timeoutMs: 120_000
    })
    await until(() => /token=/.test(fleet.stdout()), 60_000)
    const url = /(http:\/\/\S+token=\S+)/.exec(fleet.stdout())![1]!
    expect(fleet.stdout()).toMatch(
      /against the embedded emulator at http:\/\/127\.0\.0\.1:\d+, with 68 batches on 6 providers/
    )
    const cookie = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]!
    let rows: Array<{ provider: string; metadata?: Record<string, string> }> = []
    await until(async () => {
      const d = (await (await fetch(new URL("/api/batches", url), { headers: { cookie } })).json()) as {
        rows: typeof rows
      }
      rows = d.rows
      return rows.length === 68
    }, 60_000)
    expect(new Set(rows.map((r) => r.provider)).size).toBe(6)
    expect(
      rows
        .filter((r) => r.metadata?.prompt === "v8")
        .map((r) => r.provider)
        .sort()
    ).toEqual(["meshapi", "moonshot", "openai", "respan"])
    fleet.child.kill("SIGINT")
    const r = await fleet.done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain("batchctl: console stopped")
  }, 120_000)
})
