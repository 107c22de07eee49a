import { writeFileSync } from 'node:fs';
import { LoadResult } from './load';

export interface RunRow extends LoadResult {
  /** Requests/s divided by the baseline's requests/s of the same round. */
  ratio: number;
}

export interface ScenarioResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  ratio: number;
  runs: RunRow[];
  [extra: string]: unknown;
}

export interface TargetResult {
  target: string;
  measured: string;
  holds: boolean;
}

export const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The scenario's headline numbers: the median of its runs, each number on its own (each run is
 * kept too). Not the mean: on this shared machine one run in three can meet a stall of the whole
 * VM, and a mean of p99s is then that stall's.
 */
export function summarize(name: string, runs: RunRow[], extra: Record<string, unknown> = {}): ScenarioResult {
  return {
    name,
    rps: round(median(runs.map((run) => run.rps))),
    p50: round(median(runs.map((run) => run.p50))),
    p99: round(median(runs.map((run) => run.p99))),
    ratio: round(median(runs.map((run) => run.ratio)), 3),
    runs: runs.map((run) => ({ ...run, rps: round(run.rps), ratio: round(run.ratio, 3) })),
    ...extra,
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function printTable(scenarios: ScenarioResult[]): void {
  const rows = [['scenario', 'run', 'req/s', 'p50 ms', 'p99 ms', '× baseline']];
  for (const scenario of scenarios) {
    scenario.runs.forEach((run, index) =>
      rows.push([index === 0 ? scenario.name : '', String(index + 1), run.rps.toFixed(0), fmt(run.p50), fmt(run.p99), run.ratio.toFixed(2)]),
    );
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((width, column) => (column === 0 ? ` ${'-'.repeat(width)} ` : ` ${'-'.repeat(width - 1)}: `)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

export function printTargets(targets: TargetResult[]): void {
  console.log('');
  for (const target of targets) console.log(`${target.holds ? 'HOLDS ' : 'MISSED'}  ${target.target}: ${target.measured}`);
}

export function writeResults(path: string, results: unknown): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
