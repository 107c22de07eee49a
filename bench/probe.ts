import { connect, Socket } from 'node:net';
import type { LoadRequest, LoadResult } from './load';

/**
 * A latency probe: requests at a fixed, modest rate over a few keep-alive connections, each timed
 * with the high-resolution clock (autocannon reports whole milliseconds, too coarse for an idle
 * p99 of a fraction of one). Latency is measured from the moment a request is due (or sent, if
 * sooner), so a server that stalls is charged for the wait of the requests queued behind the stall.
 *
 * Like autocannon, it writes requests made once over plain sockets and reads only each answer's
 * status and Content-Length: it shares the 2 cores with the server it measures, and Node's HTTP
 * client (or undici) spent 0.22–0.26 of a core at 200 requests/s during a login storm, this one
 * 0.14–0.15 (README.md, Performance).
 */
export async function probe(url: string, requests: LoadRequest[], rate: number, connections: number, seconds: number): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const wire = requests.map((spec) => requestBytes(spec, `${hostname}:${port}`));
  const pool = await Promise.all(Array.from({ length: connections }, () => ProbeConnection.open(hostname, Number(port))));
  const waiting: Array<() => void> = [];
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let failed = 0;

  /** Sends on the first free connection, waiting for one in turn when all are busy (as http.Agent's maxSockets). */
  async function send(bytes: Buffer): Promise<number> {
    let connection = pool.find((candidate) => !candidate.busy);
    while (!connection) {
      if (pool.every((candidate) => candidate.closed)) throw new Error('every probe connection closed');
      await new Promise<void>((resolve) => waiting.push(resolve));
      connection = pool.find((candidate) => !candidate.busy);
    }
    try {
      return await connection.exchange(bytes);
    } finally {
      waiting.shift()?.();
    }
  }

  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // A timer may fire up to a millisecond early (the event loop's clock counts whole ones): a
    // request sent before it was due is timed from when it was sent, never from later.
    const from = Math.min(due, performance.now());
    pending.push(
      send(wire[i % wire.length]).then(
        (status) => {
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (status >= 200 && status < 300) latencies.push(performance.now() - from);
          else failed++;
        },
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  for (const connection of pool) connection.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: latencies.length / seconds, ok: latencies.length, failed, p50: at(0.5), p99: at(0.99), statusCounts };
}

function requestBytes(spec: LoadRequest, host: string): Buffer {
  const headers: Record<string, string> = { host, connection: 'keep-alive', ...spec.headers };
  if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
  const head = `${spec.method} ${spec.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.from(head + (spec.body ?? ''));
}

/** One keep-alive connection carrying one request at a time; every answer must have a Content-Length. */
class ProbeConnection {
  busy = false;
  closed = false;
  private received: Buffer = Buffer.alloc(0);
  private answer?: { resolve(status: number): void; reject(error: Error): void };

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.closed = this.busy = true; // never picked again
      this.fail(new Error('connection closed'));
    });
  }

  static open(host: string, port: number): Promise<ProbeConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new ProbeConnection(socket)));
      socket.once('error', reject);
    });
  }

  exchange(bytes: Buffer): Promise<number> {
    this.busy = true;
    return new Promise((resolve, reject) => {
      this.answer = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const headEnd = this.received.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.received.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.socket.destroy(); // its framing is lost: no further answer on it can be read
      return this.fail(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
    }
    const end = headEnd + 4 + Number(length[1]);
    if (this.received.length < end) return;
    this.received = this.received.subarray(end);
    const answer = this.answer;
    this.answer = undefined;
    this.busy = false;
    answer?.resolve(Number(head.slice(9, 12))); // "HTTP/1.1 200 OK"
  }

  private fail(error: Error): void {
    const answer = this.answer;
    this.answer = undefined;
    answer?.reject(error);
  }
}
