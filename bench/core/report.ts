import type { BenchResult, Row } from './types';

function fmtValue(v: number | null, unit: string): string {
  if (v === null) return '—';
  if (unit.startsWith('ms')) return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
  return Math.round(v).toLocaleString('en-US');
}

const fmtRatio = (r: Row): string => (r.ratio === null ? '—' : r.ratio.toFixed(2));
const fmtTarget = (r: Row): string => (r.target ? `${r.target.op} ${r.target.value}` : '');
const fmtMet = (r: Row): string =>
  r.status === 'failed' ? 'FAILED' : r.status === 'not-available' ? 'n/a' : r.met === null ? '' : r.met ? 'yes' : 'NO';

function cells(r: Row): string[] {
  return [
    String(r.scenario),
    r.title,
    r.via,
    r.unit,
    fmtValue(r.service, r.unit),
    fmtValue(r.baseline, r.unit),
    fmtRatio(r),
    fmtTarget(r),
    fmtMet(r),
  ];
}

const HEAD = ['#', 'scenario', 'via', 'unit', 'service', 'raw ES', 'ratio', 'target', 'met'];

export function consoleTable(result: BenchResult): string {
  const body = result.rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const right = new Set([4, 5, 6]);
  const line = (c: string[]) => c.map((x, i) => (right.has(i) ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join(' │ ');
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [line(HEAD), sep, ...body.map(line)];
  const byNote = new Map<string, string[]>();
  for (const r of result.rows) if (r.note) byNote.set(r.note, [...(byNote.get(r.note) ?? []), r.key]);
  const notes = [...byNote].map(([note, keys]) => `  ${keys.join(', ')}: ${note}`);
  if (notes.length) out.push('', 'Notes:', ...notes);
  if (result.notes.length) out.push(...result.notes.map((n) => `  ${n}`));
  return out.join('\n');
}

export function markdownTable(result: BenchResult): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`| ${HEAD.join(' | ')} |`, `| ${HEAD.map((_, i) => ([4, 5, 6].includes(i) ? '--:' : '---')).join(' | ')} |`];
  for (const r of result.rows) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  return out.join('\n');
}

export function machineLine(result: BenchResult): string {
  const m = result.machine;
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, Elasticsearch ${result.elasticsearch.version} (heap ${result.elasticsearch.heapMaxMb ?? '?'} MB), ${result.scale} mode, ${result.durationSeconds} s, ${result.startedAt}`;
}
