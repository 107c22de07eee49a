/**
 * One load generator run, in its own process so that it never shares an event loop with the
 * runner or with another load running at the same time. Reads a LoadSpec (JSON) from argv[2],
 * runs an optional warm-up then the measured run with autocannon, prints a LoadResult (JSON).
 */
import autocannon from 'autocannon';
import { probe } from './probe';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSpec {
  url: string;
  requests: LoadRequest[];
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** A latency probe at this many requests per second (see probe.ts); autocannon at full load when absent. */
  overallRate?: number;
}

export interface LoadResult {
  rps: number;
  ok: number;
  failed: number;
  p50: number;
  p99: number;
  statusCounts: Record<string, number>;
}

function run(spec: LoadSpec, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationSeconds,
    requests: spec.requests,
    timeout: 30,
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  if (spec.overallRate !== undefined) {
    if (spec.warmupSeconds > 0) await probe(spec.url, spec.requests, spec.overallRate, spec.connections, spec.warmupSeconds);
    const result = await probe(spec.url, spec.requests, spec.overallRate, spec.connections, spec.durationSeconds);
    process.stdout.write(JSON.stringify(result));
    return;
  }
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const result = await run(spec, spec.durationSeconds);
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  const output: LoadResult = {
    // Successful requests per second: a 4xx or 5xx answered fast must not count as throughput.
    rps: ok / result.duration,
    ok,
    failed,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statusCounts: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
    ),
  };
  process.stdout.write(JSON.stringify(output));
}

void main();
