/**
 * Hands out numbers from [min, max] that are not in use, cycling onwards so that a freed number is
 * reused as late as possible (like the kernel's ephemeral ports). Numbers outside the range can be
 * reserved too, so that one pool tracks every port of a host.
 */
export class NumberPool {
  readonly #used = new Set<number>();
  #next: number;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {
    this.#next = min;
  }

  isFree(value: number): boolean {
    return !this.#used.has(value);
  }

  reserve(value: number): void {
    this.#used.add(value);
  }

  release(value: number): void {
    this.#used.delete(value);
  }

  /** The next free number in the range, reserved; undefined when the range is exhausted. */
  take(): number | undefined {
    const size = this.max - this.min + 1;
    for (let tried = 0; tried < size; tried += 1) {
      const candidate = this.#next;
      this.#next = candidate === this.max ? this.min : candidate + 1;
      if (!this.#used.has(candidate)) {
        this.#used.add(candidate);
        return candidate;
      }
    }
    return undefined;
  }
}
