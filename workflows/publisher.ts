/**
 * Writes to a read model go out one at a time, in the order they were asked for: the store's
 * updates are read-modify-write, so two in flight at once could lose one (an Update handler and
 * the main flow may both publish). A failed write does not stop the ones after it.
 */
export class Publisher {
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  /** Runs `write` once every write asked for before it has finished. */
  write<T>(write: () => Promise<T>): Promise<T> {
    const next = this.tail.then(write);
    this.tail = next.catch(() => undefined);
    this.inFlight += 1;
    const done = (): void => {
      this.inFlight -= 1;
    };
    next.then(done, done);
    return next;
  }

  /** No write is waiting or running: the read model shows everything asked for. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Resolves once every write asked for so far has finished. */
  drained(): Promise<unknown> {
    return this.tail;
  }
}
