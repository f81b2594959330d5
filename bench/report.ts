/**
 * The results table (stdout) and the JSON file (bench/results/latest.json) with the machine the
 * figures were measured on.
 */
import { mkdirSync, writeFileSync } from 'fs';
import os from 'os';
import { join } from 'path';

/** One measured figure, side by side with its baseline from the same run. */
export interface Figure {
  /** Short label for the table, with its unit. */
  figure: string;
  ours: number;
  /** What the baseline is, e.g. "bare axios". */
  baselineLabel: string;
  baseline: number;
  /** `ours / baseline`. */
  ratio: number;
  /** The goal as text, e.g. "ratio ≤ 1.10". */
  goal: string;
  /** Whether the goal was met; `undefined` for figures reported without a goal. */
  met?: boolean;
}

/** What one benchmark module hands back: its rows plus everything measured, for the JSON. */
export interface BenchResult {
  name: string;
  figures: Figure[];
  details: Record<string, unknown>;
}

/** A benchmark that could not run, and why. */
export interface SkippedBench {
  name: string;
  reason: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews timings. */
  loadAverageAtStart: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(3);
}

function metText(met: boolean | undefined): string {
  if (met === undefined) return '—';
  return met ? 'yes' : 'NO';
}

/** A plain-text table: figure | ours | baseline | ratio | goal | met?. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ['figure', 'ours', 'baseline', 'ratio', 'goal', 'met?'];
  const rows = results.flatMap((result) => result.figures.map((f) => [
    f.figure,
    formatNumber(f.ours),
    `${formatNumber(f.baseline)} (${f.baselineLabel})`,
    formatNumber(f.ratio),
    f.goal,
    metText(f.met),
  ]));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface RunReport {
  startedAt: string;
  totalSeconds: number;
  machine: MachineInfo;
  loadAverageAtEnd: number[];
  results: BenchResult[];
  skipped: SkippedBench[];
}

/** Writes the report as JSON; returns the file's path. */
export function writeReport(report: RunReport, directory: string): string {
  mkdirSync(directory, { recursive: true });
  const file = join(directory, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
