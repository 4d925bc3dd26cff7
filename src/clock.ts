/**
 * "Now", in one place. New code asks a `Clock` instead of calling `new Date()`, so tests can
 * put the app at 21:30 or a week ahead without sleeping.
 *
 * @example
 * const clock = new TestClock(new Date('2026-11-29T14:30:00Z')); // 21:30 in Hanoi
 * outbox.enqueue(messages, id); // held until 06:00, computed from clock.now()
 * clock.advance(9 * 3600_000);
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock: what production uses. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and move forward by hand; it never moves by itself. */
export class TestClock implements Clock {
  #ms: number;

  constructor(start: Date = new Date()) {
    this.#ms = start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }

  /** Puts the clock at `at` (earlier or later). */
  set(at: Date): void {
    this.#ms = at.getTime();
  }
}
