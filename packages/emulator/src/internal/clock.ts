/**
 * The emulator's clock: virtual epoch milliseconds that run `speed` times as fast as the wall clock, plus
 * whatever `advance` added. With `speed: 0` time only moves when stepped.
 */
export class Clock {
  private readonly wallStart: number
  private offset = 0
  constructor(
    readonly speed: number,
    private readonly wall: () => number = Date.now
  ) {
    this.wallStart = wall()
  }
  now(): number {
    return Math.floor(this.wallStart + (this.wall() - this.wallStart) * this.speed + this.offset)
  }
  advance(millis: number): void {
    if (Number.isFinite(millis) && millis > 0) this.offset += millis
  }
}
