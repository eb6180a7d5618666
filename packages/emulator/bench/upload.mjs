/**
 * Benchmark (not a test): a 50 MB multipart upload (OpenAI's `POST /files`) while another client polls
 * `/_emulator/health` every 10 ms, the emulator in its own process from the built JavaScript (dist/).
 *
 *   cd packages/emulator && npx tsc -b tsconfig.build.json && node bench/upload.mjs [--mb 50] [--server bench/server.mjs]
 *
 * Prints one JSON line: the upload's time and MB/s, the other client's slowest answer during the upload
 * (how long the emulator froze, if it did), and the emulator's RSS after the upload.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const at = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]
}
const mb = Number(at("mb", "50"))
const serverScript = at("server", fileURLToPath(new URL("./server.mjs", import.meta.url)))
const server = spawn(process.execPath, [serverScript, "1000"], { stdio: ["ignore", "pipe", "inherit"] })
const url = await new Promise((resolve) => server.stdout.once("data", (d) => resolve(String(d).trim())))
try {
  const line = `${JSON.stringify({ custom_id: "x", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } })}\n`
  const text = line.repeat(Math.ceil((mb * 1024 * 1024) / line.length))
  // the other client is its own process, so that building the upload's body cannot stall it
  const poller = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `let polling = true, slowest = 0, polls = 0
process.stdin.on("data", () => { polling = false })
while (polling) {
  const t = performance.now()
  await (await fetch(${JSON.stringify(`${url}/_emulator/health`)})).arrayBuffer()
  slowest = Math.max(slowest, performance.now() - t)
  polls++
  await new Promise((r) => setTimeout(r, 10))
}
console.log(JSON.stringify({ slowest, polls }))
process.exit(0)`
    ],
    { stdio: ["pipe", "pipe", "inherit"] }
  )
  const polled = new Promise((resolve) => poller.stdout.once("data", (d) => resolve(JSON.parse(String(d)))))
  await new Promise((r) => setTimeout(r, 300))
  const form = new FormData()
  form.set("purpose", "batch")
  form.set("file", new Blob([text]), "big.jsonl")
  const started = performance.now()
  const r = await fetch(`${url}/openai/v1/files`, { method: "POST", headers: { authorization: "Bearer k" }, body: form })
  const body = await r.json()
  const millis = performance.now() - started
  poller.stdin.write("stop\n")
  const { slowest, polls } = await polled
  const health = await (await fetch(`${url}/_emulator/health`)).json()
  console.log(
    JSON.stringify({
      status: r.status,
      bytes: body.bytes,
      uploadMs: Math.round(millis),
      mbPerSecond: Math.round((text.length / 1024 / 1024 / (millis / 1000)) * 10) / 10,
      otherClientSlowestMs: Math.round(slowest),
      otherClientPolls: polls,
      emulatorRssMb: Math.round(health.memory.rss / 1024 / 1024)
    })
  )
} finally {
  server.kill("SIGTERM")
}
