// The emulator as its own process for the benchmark, from the built JavaScript (dist/): prints its URL.
import { Emulator } from "../dist/index.js"

const maxBatches = Number(process.argv[2] ?? 200_000)
const emu = await Emulator.start({ speed: 0, maxBatches })
console.log(emu.url)
process.on("SIGTERM", () => emu.close().then(() => process.exit(0)))
