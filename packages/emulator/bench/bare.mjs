// Calibration: a bare node:http server answering a small JSON body, to show what this machine allows.
import http from "node:http"

const server = http.createServer((req, res) => {
  const body = JSON.stringify({ id: req.url, object: "batch", status: "in_progress", request_counts: { total: 10, completed: 0, failed: 0 } })
  res.writeHead(200, { "content-type": "application/json", "x-request-id": "req_bare" })
  res.end(body)
})
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}`))
process.on("SIGTERM", () => process.exit(0))
