import { ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export type Argon2Task = { op: 'hash'; password: string; options: object } | { op: 'verify'; hash: string; password: string };
type Answer = { id: number; result?: string | boolean; error?: string };

interface PendingTask {
  id: number;
  task: Argon2Task;
  resolve(result: string | boolean): void;
  reject(error: Error): void;
}

interface HashingProcess {
  child: ChildProcess;
  /** Tasks sent to it and not answered yet, by id. */
  inFlight: Map<number, PendingTask>;
  startedAt: number;
}

/** A task failed because its hashing process ended (crashed or was killed) before answering. */
export class HashingUnavailableError extends Error {}

/** The argon2 library rejected the task (a malformed stored hash, say): the answer for this input. */
export class HashingTaskError extends Error {}

/** A process that ended sooner than this after starting is restarted only after this delay. */
const RESTART_BACKOFF_MS = 1_000;

/**
 * A fixed number of child processes running `argon2.process.js` at a lowered CPU priority, each
 * sent up to `tasksPerProcess` tasks at once (it runs them one by one; the next one waits in its
 * pipe, so it starts the moment the previous one ends, however busy this event loop is).
 *
 * Processes, not worker threads: a worker thread shares locks with the event loop (Node's
 * MessagePort queue, V8's Atomics.wait/notify mutex) and, at the lowest priority, the kernel can
 * leave it off the CPU while it holds one: the event loop then waited for it, up to milliseconds
 * per login during a login flood. A process shares nothing with this one but a pipe. A process
 * that ends is replaced; its tasks fail with HashingUnavailableError.
 */
export class HashingProcessPool {
  private readonly processes = new Set<HashingProcess>();
  private readonly queue: PendingTask[] = [];
  private nextId = 0;
  private destroyed = false;

  constructor(
    private readonly file: string,
    private readonly size: number,
    private readonly tasksPerProcess: number,
    private readonly niceIncrement: number,
  ) {
    for (let i = 0; i < size; i++) this.start();
  }

  /** The process ids of the running hashing processes. */
  get pids(): number[] {
    return [...this.processes].map(({ child }) => child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Tasks waiting for a free slot in a process. */
  get queueSize(): number {
    return this.queue.length;
  }

  run(task: Argon2Task): Promise<string | boolean> {
    if (this.destroyed) return Promise.reject(new HashingUnavailableError('The hashing pool is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every process; tasks not answered yet fail. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new HashingUnavailableError('The hashing pool is shut down'));
    await Promise.all(
      [...this.processes].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.ref(); // wait for it even when nothing else keeps this process alive
        child.kill('SIGKILL'); // it ignores SIGTERM (see argon2.process.js) and holds nothing to save
        await exited;
      }),
    );
  }

  private start(): void {
    const child = fork(this.file, [], {
      execArgv: [], // not the parent's flags (an inspector port, a preloaded module)
      env: { ...process.env, AUTHKIT_HASHING_NICE: String(this.niceIncrement) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const hashing: HashingProcess = { child, inFlight: new Map(), startedAt: Date.now() };
    this.processes.add(hashing);
    child.on('message', (answer: Answer) => this.settle(hashing, answer));
    child.on('error', () => child.kill('SIGKILL')); // 'exit' follows, and does the rest
    child.once('exit', () => void this.replace(hashing));
    this.unrefWhenIdle(hashing);
  }

  /** Sends queued tasks to the processes with the fewest in flight, while any has a free slot. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let target: HashingProcess | undefined;
      for (const hashing of this.processes) {
        if (!hashing.child.connected || hashing.inFlight.size >= this.tasksPerProcess) continue;
        if (!target || hashing.inFlight.size < target.inFlight.size) target = hashing;
      }
      if (!target) return;
      const pending = this.queue.shift() as PendingTask;
      target.inFlight.set(pending.id, pending);
      target.child.ref();
      target.child.channel?.ref();
      target.child.send({ id: pending.id, task: pending.task });
    }
  }

  private settle(hashing: HashingProcess, answer: Answer): void {
    const pending = hashing.inFlight.get(answer.id);
    if (!pending) return;
    hashing.inFlight.delete(answer.id);
    if (answer.error !== undefined) pending.reject(new HashingTaskError(answer.error));
    else pending.resolve(answer.result as string | boolean);
    this.unrefWhenIdle(hashing);
    this.dispatch();
  }

  /** An idle pool does not keep the app's process alive; one with tasks in flight does. */
  private unrefWhenIdle(hashing: HashingProcess): void {
    if (hashing.inFlight.size > 0) return;
    hashing.child.unref();
    hashing.child.channel?.unref();
  }

  private async replace(hashing: HashingProcess): Promise<void> {
    this.processes.delete(hashing);
    for (const pending of hashing.inFlight.values()) {
      pending.reject(new HashingUnavailableError(`A hashing process ended (exit code ${hashing.child.exitCode}, signal ${hashing.child.signalCode})`));
    }
    hashing.inFlight.clear();
    if (this.destroyed) return;
    if (Date.now() - hashing.startedAt < RESTART_BACKOFF_MS) await sleep(RESTART_BACKOFF_MS, undefined, { ref: false });
    if (this.destroyed) return;
    this.start();
    this.dispatch();
  }
}
