// The batchctl console page: no framework, no build. Every batch of every configured provider in one
// virtualized table (only the rows in view are in the DOM), kept live by asking the server for what
// changed since the last answer (it holds the request until something does).

const token = document.querySelector('meta[name="batchctl-token"]')?.getAttribute("content") ?? ""
const $ = (id) => document.getElementById(id)

const ROW = 34
const OVERSCAN = 12

const state = {
  rows: new Map(),
  version: 0,
  offset: 0,
  providers: [],
  view: [],
  selected: new Set(),
  filters: { providers: new Set(), status: "", age: "", meta: "" },
  detailKey: undefined
}

// Helpers ---------------------------------------------------------------------------------------------

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c])

const now = () => Date.now() + state.offset

const ago = (ms) => {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23"
})
const when = (ms) => (ms === undefined ? "–" : dateFormat.format(new Date(ms)))

const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    if (k === "text") el.textContent = v
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v)
    else el.setAttribute(k, v === true ? "" : v)
  }
  for (const c of children) if (c !== undefined && c !== null) el.append(c)
  return el
}

const api = async (path, init) => {
  const response = await fetch(path, { credentials: "same-origin", ...init })
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return response.json()
}

const notice = (text, bad = false) => {
  const n = $("notice")
  n.textContent = text
  n.classList.toggle("bad", bad)
}

/** Done requests of a batch as a fraction, from the counts the vendor gave (or its own progress). */
const done = (row) => {
  const c = row.counts
  const finished = (c.succeeded ?? 0) + (c.failed ?? 0) + (c.cancelled ?? 0) + (c.expired ?? 0)
  if (c.total !== undefined && c.total > 0)
    return { value: finished / c.total, text: `${finished.toLocaleString()}/${c.total.toLocaleString()}` }
  if (row.progress !== undefined) return { value: row.progress, text: `${Math.round(row.progress * 100)}%` }
  if (c.processing !== undefined) {
    const all = c.processing + finished
    return { value: all === 0 ? 0 : finished / all, text: `${c.processing.toLocaleString()} processing` }
  }
  return undefined
}

const errorText = (e) =>
  `${e.tag}${e.httpStatus === undefined ? "" : ` (HTTP ${e.httpStatus})`}: ${e.message}${e.requestId === undefined ? "" : ` — request id ${e.requestId}`}`

// Data ------------------------------------------------------------------------------------------------

const apply = (d) => {
  if (d.reset) state.rows.clear()
  for (const row of d.rows) state.rows.set(row.key, row)
  for (const key of d.removed) {
    state.rows.delete(key)
    state.selected.delete(key)
  }
  state.version = d.version
  state.offset = d.now - Date.now()
  state.providers = d.providers
  if (d.reset || d.rows.length > 0 || d.removed.length > 0) refilter()
  renderProviders()
}

const load = async () => {
  try {
    apply(await api("/api/batches"))
  } catch (e) {
    notice(`The console server did not answer: ${e.message}`, true)
  }
  for (;;) {
    try {
      apply(await api(`/api/batches?since=${state.version}&wait=1`))
      if ($("notice").dataset.lost === "1") {
        $("notice").dataset.lost = ""
        notice("Connected again.")
      }
    } catch {
      $("notice").dataset.lost = "1"
      notice("Lost the console server; trying again…", true)
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

// Filters ---------------------------------------------------------------------------------------------

const matches = (row, f, t) => {
  if (f.providers.size > 0 && !f.providers.has(row.provider)) return false
  if (f.status === "active" ? row.terminal : f.status !== "" && row.status !== f.status) return false
  if (f.age !== "") {
    if (row.createdAt === undefined) return false
    const [op, ms] = f.age.split(":")
    const age = t - row.createdAt
    if (op === "lt" ? age >= Number(ms) : age <= Number(ms)) return false
  }
  if (f.meta !== "") {
    const m = row.metadata ?? {}
    const eq = f.meta.indexOf("=")
    if (eq > 0) {
      const k = f.meta.slice(0, eq).trim()
      const v = f.meta
        .slice(eq + 1)
        .trim()
        .toLowerCase()
      if (m[k] === undefined || m[k].toLowerCase() !== v) return false
    } else {
      const q = f.meta.toLowerCase()
      const hit =
        row.id.toLowerCase().includes(q) ||
        Object.entries(m).some(([k, v]) => k.toLowerCase().includes(q) || v.toLowerCase().includes(q))
      if (!hit) return false
    }
  }
  return true
}

let refilterQueued = false
const refilter = () => {
  if (refilterQueued) return
  refilterQueued = true
  requestAnimationFrame(() => {
    refilterQueued = false
    const t = now()
    const f = state.filters
    const view = []
    for (const row of state.rows.values()) if (matches(row, f, t)) view.push(row)
    // Newest first; the id breaks ties so the order is stable.
    view.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0) || (a.key < b.key ? -1 : 1))
    state.view = view
    dataVersion++
    renderRows()
    renderCheckAll()
    renderCounts()
    // For measurements: when the first rows were on screen.
    if (view.length > 0 && performance.getEntriesByName("batchctl-rows").length === 0) performance.mark("batchctl-rows")
  })
}

const readFilters = () => {
  const f = state.filters
  f.providers = new Set([...document.querySelectorAll("#provider-filter input:checked")].map((i) => i.value))
  f.status = $("status-filter").value
  f.age = $("age-filter").value
  f.meta = $("meta-filter").value.trim()
  refilter()
}

// Rendering -------------------------------------------------------------------------------------------

const renderProviders = () => {
  const fieldset = $("provider-filter")
  for (const p of state.providers) {
    if (fieldset.querySelector(`input[value="${CSS.escape(p.provider)}"]`) !== null) continue
    fieldset.append(
      h("label", {}, h("input", { type: "checkbox", value: p.provider, onchange: readFilters }), p.provider)
    )
  }
  const list = $("providers")
  const t = now()
  list.replaceChildren(
    ...state.providers.map((p) =>
      h(
        "li",
        {},
        h("span", { class: "p-name", text: p.provider }),
        ` ${p.batches.toLocaleString()} `,
        p.error !== undefined
          ? h("span", { class: "p-error", title: errorText(p.error), text: `listing failed: ${p.error.tag}` })
          : h("span", { text: p.refreshedAt === undefined ? "listing…" : `· ${ago(t - p.refreshedAt)} ago` })
      )
    )
  )
}

const rowHtml = (row, index, t) => {
  const sel = state.selected.has(row.key)
  const d = done(row)
  const label = `${row.provider} ${row.id}`
  const status = `<span class="status s-${esc(row.status)}"${row.vendorStatus !== row.status ? ` title="vendor: ${esc(row.vendorStatus)}"` : ""}>${esc(row.status)}</span>${
    row.error === undefined
      ? ""
      : `<span class="warn" title="${esc(errorText(row.error))}">!<span class="sr">${esc(` last operation failed: ${row.error.tag}`)}</span></span>`
  }`
  const progress =
    d === undefined
      ? '<span class="muted">–</span>'
      : `<progress max="1" value="${d.value}" aria-label="${esc(`${label}: ${d.text} done`)}"></progress><span class="ptext">${esc(d.text)}</span>`
  const ends = row.terminal
    ? row.endedAt === undefined
      ? "–"
      : `ended ${ago(t - row.endedAt)} ago`
    : row.expiresAt === undefined
      ? "–"
      : row.expiresAt > t
        ? `expires in ${ago(row.expiresAt - t)}`
        : "past its window"
  return `<tr data-key="${esc(row.key)}" aria-rowindex="${index + 2}"${sel ? ' class="selected" aria-selected="true"' : ""}>
<td class="c-check"><input type="checkbox" aria-label="Select ${esc(label)}"${sel ? " checked" : ""}></td>
<td>${esc(row.provider)}</td>
<td><button type="button" class="link" title="${esc(row.id)}">${esc(row.id)}</button></td>
<td>${status}</td>
<td>${progress}</td>
<td>${when(row.createdAt)}</td>
<td>${row.createdAt === undefined ? "–" : ago(t - row.createdAt)}</td>
<td>${ends}</td></tr>`
}

let renderQueued = false
/** What is on screen: the rows are rebuilt only when the window or the data moved. */
let shown = ""
let dataVersion = 0
const renderRows = () => {
  const scroller = $("scroller")
  const body = $("rows")
  const total = state.view.length
  // Whole blocks of rows, so that a small scroll inside the overscan changes nothing.
  const first = Math.max(0, (Math.floor(scroller.scrollTop / ROW / OVERSCAN) - 1) * OVERSCAN)
  const count = Math.ceil(scroller.clientHeight / ROW) + 3 * OVERSCAN
  const last = Math.min(total, first + count)
  const t = now()
  const frame = `${first}:${last}:${total}:${dataVersion}:${Math.floor(t / 1000)}`
  if (frame === shown) return
  shown = frame
  let html = '<tr class="spacer" aria-hidden="true"><td colspan="8"></td></tr>'
  for (let i = first; i < last; i++) html += rowHtml(state.view[i], i, t)
  html += '<tr class="spacer" aria-hidden="true"><td colspan="8"></td></tr>'
  body.innerHTML = html
  // Heights through the CSSOM: the page's policy allows no style attributes.
  body.firstElementChild.firstElementChild.style.height = `${first * ROW}px`
  body.lastElementChild.firstElementChild.style.height = `${(total - last) * ROW}px`
  $("grid").setAttribute("aria-rowcount", String(total + 1))
}

/** The header's checkbox: every matching batch selected, some, or none. */
const renderCheckAll = () => {
  const all = $("check-all")
  const total = state.view.length
  let selectedInView = 0
  for (const row of state.view) if (state.selected.has(row.key)) selectedInView++
  all.checked = total > 0 && selectedInView === total
  all.indeterminate = selectedInView > 0 && selectedInView < total
}

/** The data or the selection changed: the rows on screen are rebuilt at the next frame. */
const changed = () => {
  dataVersion++
  scheduleRender()
  renderCheckAll()
  renderCounts()
}

const scheduleRender = () => {
  if (renderQueued) return
  renderQueued = true
  requestAnimationFrame(() => {
    renderQueued = false
    renderRows()
  })
}

const selectedRows = () => [...state.selected].map((k) => state.rows.get(k)).filter((r) => r !== undefined)

const renderCounts = () => {
  const sel = selectedRows()
  const active = sel.filter((r) => !r.terminal)
  $("counts").textContent =
    `${state.view.length.toLocaleString()} of ${state.rows.size.toLocaleString()} batches` +
    (sel.length === 0 ? "" : ` · ${sel.length.toLocaleString()} selected`)
  $("cancel").disabled = active.length === 0
  $("cancel").textContent =
    active.length === 0 ? "Cancel selected…" : `Cancel ${active.length.toLocaleString()} selected…`
  $("clear-selection").hidden = sel.length === 0
}

// Selection and cancel --------------------------------------------------------------------------------

const toggle = (key, on) => {
  if (on) state.selected.add(key)
  else state.selected.delete(key)
  changed()
}

const byProvider = (rows) => {
  const m = new Map()
  for (const r of rows) m.set(r.provider, (m.get(r.provider) ?? 0) + 1)
  return m
}

const askCancel = () => {
  const sel = selectedRows()
  const active = sel.filter((r) => !r.terminal)
  if (active.length === 0) return
  const groups = byProvider(active)
  const n = active.length
  $("confirm-title").textContent = `Cancel ${n.toLocaleString()} ${n === 1 ? "batch" : "batches"}?`
  $("confirm-text").textContent =
    `${n.toLocaleString()} ${n === 1 ? "batch" : "batches"} on ${groups.size} ${groups.size === 1 ? "provider" : "providers"} will be cancelled. Requests that already finished keep their results; the rest will not run.`
  $("confirm-list").replaceChildren(...[...groups].map(([p, k]) => h("li", { text: `${p}: ${k.toLocaleString()}` })))
  const finished = sel.length - n
  $("confirm-note").textContent =
    finished === 0
      ? ""
      : `${finished.toLocaleString()} selected ${finished === 1 ? "batch has" : "batches have"} already finished and ${finished === 1 ? "is" : "are"} left out.`
  $("confirm-yes").textContent = `Cancel ${n.toLocaleString()} ${n === 1 ? "batch" : "batches"}`
  $("confirm").showModal()
  $("confirm-no").focus()
}

const doCancel = async () => {
  $("confirm").close()
  const active = selectedRows().filter((r) => !r.terminal)
  const groups = byProvider(active)
  notice(
    `Cancelling ${active.length.toLocaleString()} batches (${[...groups].map(([p, k]) => `${p} ${k}`).join(", ")})…`
  )
  try {
    const { outcomes } = await api("/api/cancel", {
      method: "POST",
      headers: { "content-type": "application/json", "x-batchctl-token": token },
      body: JSON.stringify({ batches: active.map((r) => ({ provider: r.provider, id: r.id })) })
    })
    const failed = outcomes.filter((o) => !o.ok)
    for (const o of outcomes) if (o.ok) state.selected.delete(o.key)
    changed()
    const tags = new Map()
    for (const o of failed) tags.set(o.error.tag, (tags.get(o.error.tag) ?? 0) + 1)
    notice(
      `${outcomes.length.toLocaleString()} cancel requests: ${(outcomes.length - failed.length).toLocaleString()} accepted` +
        (failed.length === 0
          ? "."
          : `, ${failed.length} failed (${[...tags].map(([t, k]) => `${t} ×${k}`).join(", ")}); the rows marked ! say why.`),
      failed.length > 0
    )
  } catch (e) {
    notice(`The cancel did not go through: ${e.message}`, true)
  }
}

// Detail ----------------------------------------------------------------------------------------------

const openDetail = async (key) => {
  const row = state.rows.get(key)
  if (row === undefined) return
  state.detailKey = key
  const panel = $("detail")
  $("detail-title").textContent = row.id
  const body = $("detail-body")
  body.replaceChildren(h("p", { class: "muted", text: `Asking ${row.provider}…` }))
  panel.hidden = false
  $("detail-close").focus()
  const q = `provider=${encodeURIComponent(row.provider)}&id=${encodeURIComponent(row.id)}`
  let d
  try {
    d = await api(`/api/batch?${q}`)
  } catch (e) {
    body.replaceChildren(h("p", { class: "error-box", text: `The console server did not answer: ${e.message}` }))
    return
  }
  if (state.detailKey !== key) return
  const r = d.row ?? row
  const dd = (k, v) => (v === undefined ? [] : [h("dt", { text: k }), h("dd", { text: v })])
  const progress = done(r)
  const parts = [
    h(
      "dl",
      {},
      ...dd("provider", r.provider),
      ...dd("status", r.vendorStatus === r.status ? r.status : `${r.status} (vendor: ${r.vendorStatus})`),
      ...dd("requests", progress?.text),
      ...dd(
        "counts",
        Object.entries(r.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || undefined
      ),
      ...dd("created", r.createdAt === undefined ? undefined : new Date(r.createdAt).toISOString()),
      ...dd("expires", r.expiresAt === undefined ? undefined : new Date(r.expiresAt).toISOString()),
      ...dd(
        "cancel requested",
        r.cancelRequestedAt === undefined ? undefined : new Date(r.cancelRequestedAt).toISOString()
      ),
      ...dd("ended", r.endedAt === undefined ? undefined : new Date(r.endedAt).toISOString()),
      ...dd(
        "metadata",
        r.metadata === undefined
          ? undefined
          : Object.entries(r.metadata)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")
      )
    )
  ]
  const error = d.error ?? r.error
  if (error !== undefined) {
    parts.push(
      h("h3", { text: d.error !== undefined ? "Error (this look-up)" : "Error (last operation)" }),
      h(
        "div",
        { class: "error-box" },
        h("strong", { text: error.tag }),
        error.httpStatus === undefined ? "" : ` HTTP ${error.httpStatus}`,
        error.operation === undefined ? "" : ` on ${error.operation}`,
        h("div", { text: error.message }),
        h("div", { text: `request id: ${error.requestId ?? "none given"}` })
      )
    )
  }
  parts.push(h("h3", { text: "Results" }))
  if (r.terminal) {
    const list = h("div", { class: "results" })
    parts.push(
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", id: "show-results", onclick: () => showResults(q, list) },
          "Show the first 20 results"
        ),
        h(
          "a",
          { href: `/api/results.jsonl?${q}`, download: "", id: "download-results" },
          "Download all results (JSONL)"
        )
      ),
      list
    )
  } else {
    parts.push(
      h("p", {
        class: "muted",
        text: "Results exist once the batch is terminal (a cancelled batch has partial results)."
      })
    )
  }
  parts.push(
    h("h3", { text: "Vendor object" }),
    h("pre", { tabindex: "0", "aria-label": "The vendor's raw object", text: JSON.stringify(d.raw ?? null, null, 2) })
  )
  body.replaceChildren(...parts)
}

const showResults = async (q, list) => {
  list.replaceChildren(h("p", { class: "muted", text: "Reading results…" }))
  try {
    const d = await api(`/api/results?${q}&limit=20`)
    const items = d.items.map((it) =>
      h(
        "li",
        {},
        h("code", { text: it.customId }),
        ` ${it.outcome} `,
        h(
          "details",
          {},
          h("summary", { text: "body" }),
          h("pre", { text: JSON.stringify(it.response ?? it.error ?? null, null, 2) })
        )
      )
    )
    list.replaceChildren(
      h("p", {
        text: `${d.items.length} ${d.items.length === 1 ? "result" : "results"}${d.more ? " (more in the download)" : ""}`
      }),
      h("ol", {}, ...items),
      d.error === undefined ? "" : h("p", { class: "error-box", text: errorText(d.error) })
    )
  } catch (e) {
    list.replaceChildren(h("p", { class: "error-box", text: `The console server did not answer: ${e.message}` }))
  }
}

const closeDetail = () => {
  const key = state.detailKey
  state.detailKey = undefined
  $("detail").hidden = true
  if (key !== undefined) document.querySelector(`tr[data-key="${CSS.escape(key)}"] button.link`)?.focus()
}

// Wiring ----------------------------------------------------------------------------------------------

const start = () => {
  $("scroller").addEventListener("scroll", scheduleRender, { passive: true })
  window.addEventListener("resize", scheduleRender)
  for (const id of ["status-filter", "age-filter"]) $(id).addEventListener("change", readFilters)
  $("meta-filter").addEventListener("input", readFilters)
  $("rows").addEventListener("change", (e) => {
    const key = e.target.closest("tr")?.dataset.key
    if (key !== undefined && e.target.type === "checkbox") toggle(key, e.target.checked)
  })
  $("rows").addEventListener("click", (e) => {
    const button = e.target.closest("button.link")
    const key = e.target.closest("tr")?.dataset.key
    if (button !== null && key !== undefined) openDetail(key)
  })
  $("check-all").addEventListener("change", (e) => {
    for (const row of state.view) {
      if (e.target.checked) state.selected.add(row.key)
      else state.selected.delete(row.key)
    }
    changed()
  })
  $("clear-selection").addEventListener("click", () => {
    state.selected.clear()
    changed()
  })
  $("cancel").addEventListener("click", askCancel)
  $("confirm-no").addEventListener("click", () => $("confirm").close())
  $("confirm-yes").addEventListener("click", doCancel)
  $("detail-close").addEventListener("click", closeDetail)
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("detail").hidden && !$("confirm").open) closeDetail()
  })
  // Ages and "refreshed … ago" move with the clock.
  setInterval(() => {
    scheduleRender()
    renderProviders()
  }, 1000)
  load()
}

start()
