import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The app under test, as a separate process started the way production starts it. */
export class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Creates a signing key with the CLI (production refuses to start without one), then starts. */
  static async start(env: NodeJS.ProcessEnv, port: number): Promise<BenchServer> {
    execFileSync(process.execPath, ['dist/src/cli/main.js', 'rotate-keys'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const child = spawn(process.execPath, ['dist/src/main.js'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const server = new BenchServer(child, `http://127.0.0.1:${port}`);
    await server.waitUntilReady();
    return server;
  }

  private async waitUntilReady(): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt++) {
      if (this.child.exitCode !== null) throw new Error(`The server exited with code ${this.child.exitCode}`);
      try {
        if ((await fetch(`${this.url}/health/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error('The server did not become ready in 30 s');
  }

  /** Resident memory of the server process, in MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    return Math.round(kib / 1024);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
