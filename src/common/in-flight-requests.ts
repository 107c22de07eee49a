/**
 * The requests the server is handling: counted from the moment Node makes a request's response
 * until the app calls its `end()`. A request whose client went away still counts until its
 * handler has finished (the handler runs on and ends the response anyway), which is what a
 * shutdown must wait for before it closes what handlers use (see graceful-shutdown.ts).
 */
export class InFlightRequests {
  /** Set when a shutdown begins: answers from then on close their connection (`Connection: close`). */
  draining = false;
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  started(): void {
    this.count++;
  }

  ended(): void {
    this.count--;
    if (this.count > 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves `true` once no request is in flight, or `false` when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }
}
