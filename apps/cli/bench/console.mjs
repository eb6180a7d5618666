#!/usr/bin/env node
// Measures `batchctl console` in Chromium: the time from navigation to the first rows on screen, the
// bytes the page transferred (and decoded), and the frame times while scrolling the whole table.
//
//   node build.mjs && node bench/console.mjs --batches 10000
//     the built CLI's `console` against `batchctl emulator` seeded with that many batches
//   node bench/console.mjs --fleet --screenshot ../../docs/console.png
//     `batchctl console --emulator` (its own fleet), and a screenshot
import chromium from "@sparticuz/chromium"
import { spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { chromium as playwright } from "playwright-core"

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "10000" },
    fleet: { type: "boolean", default: false },
    screenshot: { type: "string" },
    runs: { type: "string", default: "3" }
  }
})
const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js")
const KEY = "sk-bench-console"
const providers = ["anthropic", "openai", "moonshot", "together", "respan", "meshapi"]
const children = []

const startCli = (args, env = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env, BATCHCTL_COLOR: "never" } })
    children.push(child)
    let out = ""
    child.stdout.on("data", (c) => {
      out += c
      const line = out.split("\n").find((l) => /^\{|token=/.test(l))
      if (line !== undefined && out.includes("\n")) resolve({ child, line })
    })
    child.stderr.on("data", () => undefined)
    child.on("exit", (code) => reject(new Error(`batchctl ${args[0]} exited ${code}`)))
  })

try {
  let url
  const count = Number(values.batches)
  if (values.fleet) {
    const { line } = await startCli(["console", "--emulator", "--port", "0"])
    url = /(http:\/\/\S+token=\S+)/.exec(line)[1]
  } else {
    const { line } = await startCli(["emulator", "--port", "0", "--json", "--api-key", KEY])
    const emu = JSON.parse(line)
    // Per provider: mostly running, some finished, as the control API seeds them.
    const states = { anthropic: ["in_progress", "ended"], together: ["IN_PROGRESS", "COMPLETED"] }
    for (const [i, p] of providers.entries()) {
      const n = Math.floor((count * (i + 1)) / providers.length) - Math.floor((count * i) / providers.length)
      const [running, done] = states[p] ?? ["in_progress", "completed"]
      for (const [status, k] of [[running, Math.ceil(n * 0.7)], [done, n - Math.ceil(n * 0.7)]]) {
        if (k === 0) continue
        const r = await fetch(`${emu.url}/_emulator/batches/bulk`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ provider: p, status, requests: 1000, completed: 250, count: k })
        })
        if (!r.ok) throw new Error(`seeding ${p}: ${r.status} ${await r.text()}`)
      }
    }
    const env = {}
    for (const p of providers) {
      env[`${p.toUpperCase()}_API_KEY`] = KEY
      env[`${p.toUpperCase()}_BASE_URL`] = emu.baseUrls[p]
    }
    const { line: consoleLine } = await startCli(["console", "--port", "0", "--refresh", "30"], env)
    url = /(http:\/\/\S+token=\S+)/.exec(consoleLine)[1]
    // The console lists everything before the first measurement.
    const listed = Date.now()
    const origin = new URL(url).origin
    const cookie = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie").split(";")[0]
    for (;;) {
      const d = await (await fetch(`${origin}/api/batches`, { headers: { cookie } })).json()
      if (d.rows.length >= count) break
      console.error(`listed ${d.rows.length} after ${Date.now() - listed} ms`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  const args = chromium.args.filter((a) => !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)$/.test(a))
  const browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: [...args, "--headless"], headless: true })
  const results = []
  // One context: this Chromium build runs in a single process, where a second context fails to open.
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } })
  const page = await context.newPage()
  for (let run = 0; run < Number(values.runs); run++) {
    // Every run loads everything again: the console answers with no-store.
    await page.goto(url)
    await page.waitForFunction(() => performance.getEntriesByName("batchctl-rows").length > 0, undefined, { timeout: 60_000 })
    const m = await page.evaluate(async () => {
      const nav = performance.getEntriesByType("navigation")[0]
      const resources = performance.getEntriesByType("resource").filter((r) => !r.name.includes("wait=1"))
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]
      const rows = performance.getEntriesByName("batchctl-rows")[0].startTime
      // Scroll the whole table, a screenful every frame, and keep the frame times.
      const scroller = document.getElementById("scroller")
      const frames = []
      let last = performance.now()
      await new Promise((done) => {
        const step = () => {
          const t = performance.now()
          frames.push(t - last)
          last = t
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) return done()
          scroller.scrollTop += scroller.clientHeight
          requestAnimationFrame(step)
        }
        requestAnimationFrame(step)
      })
      frames.sort((a, b) => a - b)
      // The page's own work per frame (its top-level functions are globals of the page's script).
      const scripting = []
      for (let i = 0; i < 100; i++) {
        scroller.scrollTop = (i * 997 * 34) % scroller.scrollHeight
        const t = performance.now()
        // biome-ignore lint/correctness/noUndeclaredVariables: defined by the page's script
        renderRows()
        scripting.push(performance.now() - t)
      }
      scripting.sort((a, b) => a - b)
      return {
        rowsMs: Math.round(rows),
        fcpMs: Math.round(fcp?.startTime ?? -1),
        transferred: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0),
        decoded: nav.decodedBodySize + resources.reduce((a, r) => a + r.decodedBodySize, 0),
        domRows: document.querySelectorAll("#rows tr[data-key]").length,
        frames: frames.length,
        frameP95: Math.round(frames[Math.floor(frames.length * 0.95)]),
        frameMax: Math.round(frames.at(-1)),
        renderP50: Number(scripting[50].toFixed(2)),
        renderMax: Number(scripting.at(-1).toFixed(2))
      }
    })
    results.push(m)
    if (values.screenshot !== undefined && run === 0) {
      await page.evaluate(() => document.getElementById("scroller").scrollTo(0, 0))
      await page.locator("h1").click()
      await page.waitForTimeout(1500)
      await page.screenshot({ path: values.screenshot })
    }
  }
  await browser.close()
  for (const r of results) console.log(JSON.stringify(r))
} finally {
  for (const c of children) c.kill("SIGINT")
}
