/**
 * Where a V8 CPU profile (`--cpu-prof`, e.g. from `npm run bench -- --profile`) spends its time: self time by package or
 * project file, and the top functions. Usage: node -r ts-node/register/transpile-only bench/tools/profile-summary.ts <file.cpuprofile> [top] [skip seconds]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    if (rest[0] === '.cache') {
      const i = rest.indexOf('build');
      return rest.slice(i + 1, i + 4).join('/');
    }
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0].replace(/^node:internal.*/, 'node:internal');
  return url.replace(/^.*\/work\/main\//, '');
}

/** `skipSeconds` leaves out the start of the profile (start-up: module loading, compilation). */
export function summarize(path: string, top = 25, skipSeconds = 0): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  const inclusive = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t - p.startTime < skipSeconds * 1e6) return;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
    // Inclusive: each package or file on the sample's stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      const b = bucketOf(f.url, f.functionName);
      if (b === '(root)') continue;
      seen.add(b);
    }
    for (const b of seen) inclusive.set(b, (inclusive.get(b) ?? 0) + dt);
  });
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id) as ProfileNode;
    const { functionName, url, lineNumber } = n.callFrame;
    const b = bucketOf(url, functionName);
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    const f = `${functionName || '(anonymous)'} ${bucketOf(url, functionName)}:${lineNumber + 1}`;
    fns.set(f, (fns.get(f) ?? 0) + us);
  }
  const idle = buckets.get('(idle)') ?? 0;
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${path}: ${(total / 1e6).toFixed(1)} s wall, ${((total - idle) / 1e6).toFixed(1)} s on CPU (${pct(total - idle)})`,
    '',
    'self time by package / file:',
  ];
  for (const [b, us] of [...buckets].sort((a, c) => c[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${b}`);
  lines.push('', 'inclusive time by package / file (anything on the stack):');
  for (const [b, us] of [...inclusive].sort((a, c) => c[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${b}`);
  lines.push('', 'top functions (self):');
  for (const [f, us] of [...fns].sort((a, c) => c[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${f}`);
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top, skip] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarize(file, top ? Number(top) : 25, skip ? Number(skip) : 0)}\n`);
}
