import { Agent, request } from 'node:http';
import type { LoadRequest, LoadResult } from './load';

/**
 * A latency probe: requests at a fixed, modest rate over a few keep-alive connections, each timed
 * with the high-resolution clock (autocannon reports whole milliseconds, too coarse for an idle
 * p99 of a fraction of one). Latency is measured from the moment a request is due, so a server
 * that stalls is charged for the wait of the requests queued behind the stall.
 */
export async function probe(url: string, requests: LoadRequest[], rate: number, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let failed = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const spec = requests[i % requests.length];
    pending.push(
      send(agent, url, spec).then(
        (status) => {
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (status >= 200 && status < 300) latencies.push(performance.now() - due);
          else failed++;
        },
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: latencies.length / seconds, ok: latencies.length, failed, p50: at(0.5), p99: at(0.99), statusCounts };
}

function send(agent: Agent, url: string, spec: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(spec.path, url), { method: spec.method, headers: spec.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}
