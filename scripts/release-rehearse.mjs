#!/usr/bin/env node
// `npm run release:rehearse`: a release, rehearsed against a real npm registry on loopback.
//
// 1. Starts verdaccio (6.8, in release/) on 127.0.0.1 with a free port and its storage in a temp dir.
//    `batchctl` and `@batchctl/*` are served from that storage only (no uplink: a name that was not
//    published here is a 404, never a package from the public registry); every other package (effect,
//    @effect/platform and what they need, tsx) is proxied from the registry npm is configured with, so
//    that the rehearsal runs on a fresh CI machine that reaches only that registry. (Under turbo, the
//    release test passes through what reaching it may need: proxies, NODE_EXTRA_CA_CERTS, npm's config.)
// 2. Publishes with the project's publish command (`npm run changeset-publish -- --no-git-tag`): the
//    build, then `changeset publish`, which packs each package through its prepack.
// 3. In an empty folder with that registry only, installs what the root README's install line names plus
//    `batchctl` and `tsx`, checks that only the packages it needs came (no other provider), runs the
//    README's two examples (copied out of it) against `npx batchctl emulator`, and `npx batchctl demo`.
// 4. A patch: copies the packages as published into a second folder, writes one changeset
//    (`@batchctl/openai: patch`) in place of the waiting ones, runs `changeset version` and
//    `changeset publish` there, and proves that only that provider moved: one new version on the
//    registry, every other package's version unchanged there and in the consumer after `npm update`.
//
// `--quick` (what `npm test` runs) leaves out the demo and the Promise example; `--keep` keeps the temp
// dir. Every step has a time bound; the registry and the emulator are stopped however it ends.
import { execFile, spawn } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { publishedPackages, root } from "./release-packages.mjs"

const quick = process.argv.includes("--quick")
const keep = process.argv.includes("--keep")
const work = mkdtempSync(join(tmpdir(), "batchctl-rehearsal-"))
const bin = join(root, "node_modules", ".bin")
const started = Date.now()
const children = new Set()
const log = (line) => console.log(`[rehearsal ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`)

/** Runs a command to its end (bounded), its output captured; rejects with both outputs on failure. */
const run = (cmd, args, { cwd, env, timeout = 180_000, allowFail = false } = {}) =>
  new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const result = { code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }
        if (error !== null && !allowFail) {
          reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`))
        } else resolve(result)
      }
    )
  })

/** Starts a long-running process and waits (bounded) until its output matches `ready`. */
const start = (cmd, args, { cwd, env, ready, timeout = 60_000 }) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    children.add(child)
    let out = ""
    const timer = setTimeout(
      () => reject(new Error(`${cmd} ${args.join(" ")}: not ready after ${timeout} ms:\n${out}`)),
      timeout
    )
    const onData = (chunk) => {
      out += chunk
      const match = ready.exec(out)
      if (match !== null) {
        clearTimeout(timer)
        resolve({ child, match })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("exit", (code) => {
      children.delete(child)
      clearTimeout(timer)
      reject(new Error(`${cmd} ${args.join(" ")} exited (${code}) before it was ready:\n${out}`))
    })
  })

const stopAll = () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGKILL")
    } catch {}
  }
}
process.on("exit", stopAll)

const check = (ok, message) => {
  if (!ok) throw new Error(`rehearsal: ${message}`)
}

/** The fenced blocks of a README section, in order (as the docs test reads them). */
const readme = readFileSync(join(root, "README.md"), "utf8")
const blocks = (section, lang) => {
  const at = readme.indexOf(`## ${section}`)
  const end = readme.indexOf("\n## ", at + 1)
  const text = readme.slice(at, end === -1 ? undefined : end)
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1])
}

const main = async () => {
  // The registry npm would use without us: the uplink for everything that is not ours.
  const upstream =
    (await run("npm", ["config", "get", "registry"], { cwd: work })).stdout.trim() || "https://registry.npmjs.org/"

  // 1. The registry.
  const storage = join(work, "storage")
  mkdirSync(storage)
  const config = join(work, "verdaccio.yaml")
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(storage)}`,
      "auth:",
      `  htpasswd: { file: ${JSON.stringify(join(work, "htpasswd"))}, max_users: 1 }`,
      "uplinks:",
      // A loaded machine can be slow to answer: never mark the uplink offline for long.
      `  upstream: { url: ${JSON.stringify(upstream)}, timeout: 90s, maxage: 30m, max_fails: 50, fail_timeout: 2s }`,
      "packages:",
      "  'batchctl': { access: $all, publish: $authenticated }",
      "  '@batchctl/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all, publish: $authenticated, proxy: upstream }",
      "server: { keepAliveTimeout: 60 }",
      "log: { type: stdout, format: pretty, level: error }",
      ""
    ].join("\n")
  )
  const verdaccio = createRequire(join(root, "release", "package.json")).resolve("verdaccio")
  const server = `require(${JSON.stringify(verdaccio)}).runServer(${JSON.stringify(config)}).then((app) => { const s = app.listen(0, "127.0.0.1", () => console.log("listening on port " + s.address().port)) })`
  const { match } = await start(process.execPath, ["-e", server], {
    cwd: work,
    env: process.env,
    ready: /listening on port (\d+)/
  })
  const registry = `http://127.0.0.1:${match[1]}/`
  log(`verdaccio on ${registry} (uplink for other packages: ${upstream})`)

  const user = await fetch(`${registry}-/user/org.couchdb.user:rehearsal`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "rehearsal", password: "rehearsal-password" })
  })
  const { token } = await user.json()
  check(typeof token === "string", `verdaccio gave no token (${user.status})`)
  const npmrc = join(work, "npmrc")
  writeFileSync(npmrc, `registry=${registry}\n//127.0.0.1:${match[1]}/:_authToken=${token}\n`)
  const env = {
    ...process.env,
    NPM_CONFIG_USERCONFIG: npmrc,
    npm_config_userconfig: npmrc,
    npm_config_registry: registry,
    NPM_CONFIG_REGISTRY: registry,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_prefer_offline: "true",
    TURBO_TELEMETRY_DISABLED: "1",
    PATH: `${bin}:${process.env.PATH}`
  }
  // Ours are not on the registry before we publish them: no uplink reaches the public ones.
  const before = await fetch(`${registry}@batchctl%2fcore`)
  check(before.status === 404, `@batchctl/core is on the fresh registry (${before.status})`)

  // 2. Publish, with the project's command.
  const packages = publishedPackages()
  // --quick: the same command, with the builds that `pnpm build` (turbo, cached) has just made instead of
  // a prepack per package (the release test has checked what prepack checks).
  let published
  if (quick) {
    await run(join(bin, "pnpm"), ["-s", "build"], { cwd: root, env, timeout: 600_000 })
    log("built (pnpm build)")
    published = await run(join(bin, "changeset"), ["publish", "--no-git-tag"], {
      cwd: root,
      env: { ...env, npm_config_ignore_scripts: "true" },
      timeout: 600_000
    })
  } else {
    published = await run("npm", ["run", "-s", "changeset-publish", "--", "--no-git-tag"], {
      cwd: root,
      env,
      timeout: 600_000
    })
  }
  for (const { manifest } of packages) {
    const info = await (await fetch(`${registry}${manifest.name.replace("/", "%2f")}`)).json()
    check(
      info["dist-tags"]?.latest === manifest.version,
      `${manifest.name}@${manifest.version} is not published:\n${published.stdout}\n${published.stderr}`
    )
  }
  log(
    `published ${packages.length} packages: ${packages.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(", ")}`
  )

  // 3. Install by name, in an empty folder, from that registry only.
  const app = join(work, "app")
  mkdirSync(app)
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "rehearsal-user", version: "1.0.0", private: true, type: "commonjs" })
  )
  const [installLine] = blocks("Use it", "sh")
  const names = installLine.trim().split(/\s+/).slice(2)
  // What is not ours comes through the uplink: fetched once (bounded, retried) before npm asks for it,
  // so that one slow answer from the public registry is not taken for a missing package.
  for (const name of ["effect", "@effect/platform", "tsx"]) {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${registry}${name.replace("/", "%2f")}`, {
        signal: AbortSignal.timeout(120_000)
      }).catch((e) => e)
      const body = response instanceof Response && response.ok ? await response.json().catch(() => ({})) : {}
      if (Object.keys(body.versions ?? {}).length > 0) break
      if (attempt === 5)
        throw new Error(
          `rehearsal: ${name} did not come through the uplink (${response instanceof Response ? response.status : response})`
        )
      await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt))
    }
  }
  const install = async (args, attempts = 3) => {
    for (let attempt = 1; ; attempt++) {
      const result = await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args], {
        cwd: app,
        env,
        timeout: 300_000,
        allowFail: true
      })
      if (result.code === 0) return result
      if (attempt === attempts)
        throw new Error(`npm install ${args.join(" ")} failed ${attempts} times:\n${result.stdout}${result.stderr}`)
      log(`npm install failed (attempt ${attempt}), again: ${result.stderr.split("\n").slice(0, 3).join(" ")}`)
    }
  }
  await install([...names, "batchctl", "tsx"])
  const ours = readdirSync(join(app, "node_modules", "@batchctl")).sort()
  check(
    JSON.stringify(ours) === JSON.stringify(["core", "openai", "openai-compatible"]),
    `installed @batchctl/${ours.join(", @batchctl/")}`
  )
  const version = (name) => JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")).version
  const expected = new Map(packages.map((p) => [p.manifest.name, p.manifest.version]))
  for (const name of ["batchctl", "@batchctl/core", "@batchctl/openai", "@batchctl/openai-compatible"]) {
    check(version(name) === expected.get(name), `${name} installed ${version(name)}, published ${expected.get(name)}`)
  }
  log(
    `installed ${names.join(" ")} batchctl tsx: @batchctl/${ours.join(", @batchctl/")}, batchctl@${version("batchctl")}`
  )

  // The README's examples against the published CLI's emulator.
  const [effectExample, promiseExample] = blocks("Use it", "ts")
  writeFileSync(join(app, "cancel.mts"), effectExample)
  writeFileSync(join(app, "results.mts"), promiseExample)
  const emulator = await start("npx", ["batchctl", "emulator", "--port", "0"], {
    cwd: app,
    env,
    ready: /export OPENAI_BASE_URL=(\S+)[\s\S]*export OPENAI_API_KEY=(\S+)/
  })
  const [, baseUrl, apiKey] = emulator.match
  const control = new URL("/_emulator/batches", baseUrl)
  const createBatch = async (status, requests, completed) => {
    const response = await fetch(control, {
      method: "POST",
      body: JSON.stringify({ provider: "openai", status, requests, completed })
    })
    check(response.ok, `the emulator made no batch (${response.status})`)
    return (await response.json()).id
  }
  const exampleEnv = { ...env, OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: baseUrl }
  const tsx = (file, ...args) => run("npx", ["tsx", file, ...args], { cwd: app, env: exampleEnv, timeout: 120_000 })
  const [a, b] = [await createBatch("in_progress", 500, 1), await createBatch("in_progress", 500, 1)]
  const cancelled = await tsx("cancel.mts", a, b)
  check(
    cancelled.stdout.includes("first: 'cancelling'") && cancelled.stdout.includes(`${b}: Cancelled`),
    `cancel.mts said:\n${cancelled.stdout}${cancelled.stderr}`
  )
  log(`README cancel.mts: ${cancelled.stdout.replace(/\s+/g, " ").trim()}`)
  if (!quick) {
    const c = await createBatch("in_progress", 500, 2)
    const results = await tsx("results.mts", c)
    check(
      results.stdout.includes(`${c} cancelled`) && /succeeded/.test(results.stdout),
      `results.mts said:\n${results.stdout}${results.stderr}`
    )
    log(`README results.mts: ${results.stdout.split("\n").length - 1} lines, ${c} cancelled, partial results read`)
    const demo = await run("npx", ["batchctl", "demo"], { cwd: app, env, timeout: 180_000 })
    check(
      /openai/.test(demo.stdout) && /anthropic/.test(demo.stdout),
      `npx batchctl demo said:\n${demo.stdout}${demo.stderr}`
    )
    log(`npx batchctl demo:\n${demo.stdout.trimEnd()}`)
  }
  process.kill(-emulator.child.pid, "SIGKILL")

  // 4. A patch of one provider.
  const patch = join(work, "patch")
  const provider = "@batchctl/openai"
  for (const file of [
    "package.json",
    "pnpm-workspace.yaml",
    "LICENSE",
    ".changeset/config.json",
    "scripts/release-changelog.cjs"
  ]) {
    cpSync(join(root, file), join(patch, file), { recursive: true })
  }
  for (const { dir } of packages) {
    // node_modules as the links it is (pnpm: a workspace dependency is a relative link to its
    // directory), so that pnpm resolves `workspace:` ranges to the versions in this copy.
    cpSync(join(root, dir), join(patch, dir), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (from) => !/[/\\](test|\.turbo|\.tsbuildinfo)$/.test(from)
    })
  }
  writeFileSync(
    join(patch, ".changeset", "rehearsal-patch.md"),
    `---\n"${provider}": patch\n---\n\nRehearsal: a patch of one provider.\n`
  )
  await run(join(bin, "changeset"), ["version"], { cwd: patch, env })
  const versionIn = (dir) => JSON.parse(readFileSync(join(patch, dir, "package.json"), "utf8")).version
  const moved = packages.filter(({ dir, manifest }) => versionIn(dir) !== manifest.version).map((p) => p.manifest.name)
  // A package with the provider as a peer must move when its range (^x.y.z) no longer holds the patch:
  // on 0.0.x, where ^0.0.0 is 0.0.0 only; from 0.1.0 on, a patch stays in range and nothing else moves.
  const peerDependents = packages
    .filter((p) => p.manifest.peerDependencies?.[provider] !== undefined)
    .map((p) => p.manifest.name)
  const mayMove = expected.get(provider).startsWith("0.0.") ? [provider, ...peerDependents] : [provider]
  check(
    moved.includes(provider) && moved.every((name) => mayMove.includes(name)),
    `changeset version moved ${moved.join(", ")}`
  )
  const next = versionIn(packages.find((p) => p.manifest.name === provider).dir)
  // The copy has no node_modules: publish what is built (prepack would build again).
  const republished = await run(join(bin, "changeset"), ["publish", "--no-git-tag"], {
    cwd: patch,
    env: { ...env, npm_config_ignore_scripts: "true" },
    timeout: 300_000
  })
  for (const { dir, manifest } of packages) {
    const info = await (await fetch(`${registry}${manifest.name.replace("/", "%2f")}`)).json()
    const versions = Object.keys(info.versions ?? {})
    const want = moved.includes(manifest.name) ? [manifest.version, versionIn(dir)] : [manifest.version]
    check(
      JSON.stringify(versions) === JSON.stringify(want),
      `${manifest.name} on the registry: ${versions.join(", ")}, expected ${want.join(", ")}\n${republished.stdout}${republished.stderr}`
    )
  }
  log(
    `patch: changeset version moved ${moved.join(", ")} (${provider} ${expected.get(provider)} → ${next}); the registry has that, every other package unchanged`
  )
  // How one provider is upgraded on its own schedule.
  await install([`${provider}@latest`])
  check(version(provider) === next, `npm install ${provider}@latest left it at ${version(provider)}`)
  for (const name of ["batchctl", "@batchctl/core", "@batchctl/openai-compatible"]) {
    check(version(name) === expected.get(name), `upgrading ${provider} moved ${name} to ${version(name)}`)
  }
  const again = await start("npx", ["batchctl", "emulator", "--port", "0"], {
    cwd: app,
    env,
    ready: /export OPENAI_BASE_URL=(\S+)/
  })
  const afterPatch = await run("npx", ["tsx", "cancel.mts", "batch_after_patch"], {
    cwd: app,
    env: { ...exampleEnv, OPENAI_BASE_URL: again.match[1] },
    timeout: 120_000,
    allowFail: true
  })
  process.kill(-again.child.pid, "SIGKILL")
  check(
    afterPatch.stderr.includes("BatchNotFound") || afterPatch.stdout.includes("BatchNotFound"),
    `cancel.mts after the patch:\n${afterPatch.stdout}${afterPatch.stderr}`
  )
  log(
    `consumer after npm install ${provider}@latest: ${provider}@${version(provider)}, @batchctl/core@${version("@batchctl/core")}, batchctl@${version("batchctl")}; cancel.mts still runs`
  )
  log(`${quick ? "quick " : ""}rehearsal passed`)
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
  .finally(() => {
    stopAll()
    if (!keep && existsSync(work)) rmSync(work, { recursive: true, force: true })
    else if (keep) console.log(`kept ${work}`)
  })
