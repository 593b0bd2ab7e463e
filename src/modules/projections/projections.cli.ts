import type { INestApplicationContext } from '@nestjs/common';
import { overrideProjectionsAutoStart, ProjectionEngine, type ProjectionStatus, type RebuildProgress } from '@gyroscops/projections';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const CLI_USAGE = [
  'Usage: npm run projections -- <command>',
  '  status            position, lag, state and errors of every projection and saga',
  '  rebuild <name>    rebuild a projection blue/green, printing progress until the alias is swapped',
].join('\n');

export function formatProgress(name: string, p: RebuildProgress): string {
  if (p.state === 'requested') return `${name}: rebuild requested, waiting for the instance holding ${name} (head ${p.headPosition})`;
  return `${name}: ${p.eventsDone} events done, ${p.eventsPerSecond} events/s, ${p.remaining} remaining (position ${p.position} of ${p.headPosition})`;
}

export function formatStatus(statuses: readonly ProjectionStatus[]): string[] {
  const rows = statuses.map((s) => [
    s.name,
    s.kind,
    `v${s.version}`,
    String(s.position),
    String(s.headPosition),
    String(s.lag),
    s.rebuild ? `${s.state} (rebuild ${s.rebuild.state} at ${s.rebuild.position})` : s.state,
    String(s.eventsPerSecond),
    s.owner ?? '-',
    [s.lastError, s.parkedCount ? `${s.parkedCount} parked` : null].filter(Boolean).join('; ') || '-',
  ]);
  const header = ['NAME', 'KIND', 'VERSION', 'POSITION', 'HEAD', 'LAG', 'STATE', 'EVENTS/S', 'OWNER', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

/**
 * `npm run projections -- status | rebuild <name>`. Boots the application context without starting any
 * runner; a rebuild starts only the runner of that projection, so this process performs the rebuild when
 * no service instance holds the projection, and otherwise follows the one that does. Returns the exit code.
 */
export async function runProjectionsCli(
  argv: readonly string[],
  io: CliOutput,
  boot: () => Promise<INestApplicationContext>,
  signal?: AbortSignal,
): Promise<number> {
  const [command, name, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(CLI_USAGE);
    return 0;
  }
  if (!(command === 'status' && !name) && !(command === 'rebuild' && name && rest.length === 0)) {
    io.err(CLI_USAGE);
    return 2;
  }
  overrideProjectionsAutoStart(false);
  let app: INestApplicationContext | null = null;
  try {
    app = await boot();
    const engine = app.get(ProjectionEngine, { strict: false });
    if (command === 'status') {
      for (const line of formatStatus(await engine.status())) io.out(line);
      return 0;
    }
    let last = '';
    const done = await engine.rebuild(name, {
      signal,
      onProgress: (p) => {
        const line = formatProgress(name, p);
        if (line !== last) io.out(line);
        last = line;
      },
    });
    io.out(`${name}: rebuilt into ${done.index} up to position ${done.position}; alias swapped, old index deleted`);
    return 0;
  } catch (e) {
    io.err(`${command}${name ? ` ${name}` : ''}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    // Releases the lease: an interrupted rebuild resumes from its last position on the next holder.
    await app?.close();
    overrideProjectionsAutoStart(null);
  }
}
