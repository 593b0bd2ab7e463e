import { Client } from '@elastic/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import {
  BACKUP_LOCATION,
  BACKUP_REPOSITORY,
  backupStore,
  ensureRepository,
  listSnapshots,
  restoreStore,
} from '../../src/modules/backup/infrastructure/store-backup';
import { checkStore } from '../../src/modules/backup/infrastructure/store-check';

const USAGE = `Backup and restore of the event store with Elasticsearch snapshots (README "Backup and restore").

  npm run store:backup  -- [--snapshot NAME] [--no-warmup]
  npm run store:restore -- --snapshot NAME [--to-prefix P] [--replicas N] [--no-check] [--restore-timeout-ms N]
  npm run store:restore -- --list
  npm run store:check   -- [--gap-timeout-ms N]

Common options (read once, here):
  --es URL             Elasticsearch (default: ES_NODE, else http://127.0.0.1:9200)
  --prefix P           the store's index prefix (default: ES_INDEX_PREFIX, else gyroscops); with restore
                       --list, show only that prefix's backups
  --repository NAME    snapshot repository (default gyroscops-backups), registered on first use as a
                       filesystem repository at --location
  --location PATH      its location (default gyroscops-backups: relative to the nodes' path.repo)`;

const PREFIX = /^[a-z0-9][a-z0-9_-]{0,47}$/;

interface Options {
  command: 'backup' | 'restore' | 'check';
  es: string;
  prefix: string;
  repository: string;
  location: string;
  snapshot?: string;
  toPrefix?: string;
  replicas?: number;
  /** --prefix was given (restore --list then shows only that prefix's backups). */
  prefixGiven: boolean;
  list: boolean;
  check: boolean;
  warmup: boolean;
  gapTimeoutMs?: number;
  restoreTimeoutMs?: number;
}

function parse(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (command !== 'backup' && command !== 'restore' && command !== 'check') throw new UsageError(`unknown command ${command ?? '(none)'}`);
  const o: Options = {
    command,
    es: process.env.ES_NODE?.trim() || 'http://127.0.0.1:9200',
    prefix: process.env.ES_INDEX_PREFIX?.trim() || 'gyroscops',
    repository: BACKUP_REPOSITORY,
    location: BACKUP_LOCATION,
    prefixGiven: false,
    list: false,
    check: true,
    warmup: true,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--es') o.es = value();
    else if (flag === '--prefix') {
      o.prefix = value();
      o.prefixGiven = true;
    } else if (flag === '--repository') o.repository = value();
    else if (flag === '--location') o.location = value();
    else if (flag === '--snapshot') o.snapshot = value();
    else if (flag === '--to-prefix') o.toPrefix = value();
    else if (flag === '--replicas') o.replicas = Number(value());
    else if (flag === '--gap-timeout-ms') o.gapTimeoutMs = Number(value());
    else if (flag === '--restore-timeout-ms') o.restoreTimeoutMs = Number(value());
    else if (flag === '--list') o.list = true;
    else if (flag === '--no-check') o.check = false;
    else if (flag === '--no-warmup') o.warmup = false;
    else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else throw new UsageError(`unknown option ${arg}`);
  }
  if (!/^https?:\/\/\S+$/.test(o.es)) throw new UsageError(`--es ${o.es}: must be an http(s) URL`);
  for (const p of [o.prefix, o.toPrefix]) if (p !== undefined && !PREFIX.test(p)) throw new UsageError(`prefix ${p}: 1-48 of a-z 0-9 - _`);
  if (o.replicas !== undefined && !(Number.isInteger(o.replicas) && o.replicas >= 0)) throw new UsageError('--replicas: a whole number');
  if (o.gapTimeoutMs !== undefined && !(Number.isInteger(o.gapTimeoutMs) && o.gapTimeoutMs > 0))
    throw new UsageError('--gap-timeout-ms: a positive whole number');
  if (o.restoreTimeoutMs !== undefined && !(Number.isInteger(o.restoreTimeoutMs) && o.restoreTimeoutMs > 0))
    throw new UsageError('--restore-timeout-ms: a positive whole number');
  if (o.command === 'restore' && !o.list && !o.snapshot) throw new UsageError('restore needs --snapshot NAME (or --list)');
  return o;
}

class UsageError extends Error {}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '').toLowerCase();
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `${e.message}\n\n` : ''}${USAGE}\n`);
    return e.message ? 2 : 0;
  }
  const t0 = Date.now();
  const say = (line: string) =>
    process.stdout.write(`[store:${o.command} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    say('interrupted: stopping (writes resume before exit)');
  });
  const client = new Client({ node: o.es, requestTimeout: 120_000 });
  try {
    say(`Elasticsearch ${o.es}`);
    if (o.command === 'backup') {
      const r = await backupStore(client, {
        prefix: o.prefix,
        repository: o.repository,
        location: o.location,
        snapshot: o.snapshot ?? `${o.prefix}-${stamp()}`,
        noWarmup: !o.warmup,
        progress: say,
        aborted: () => interrupted,
      });
      say(
        `done: snapshot ${r.snapshot} in ${o.repository}, ${r.indices.length} indices, counter ${r.counter}, ` +
          `writes paused ${r.writesPausedMs} ms, ${(r.tookMs / 1000).toFixed(1)} s`,
      );
      say(`restore with: npm run store:restore -- --snapshot ${r.snapshot} [--to-prefix NEW]`);
      return 0;
    }
    if (o.command === 'restore') {
      // Registered here only on a cluster that has not backed up to it: that one reads, it never writes.
      await ensureRepository(client, { ...o, readonly: true }, say);
      if (o.list) {
        const all = (await listSnapshots(client, o.repository)).filter((s) => !o.prefixGiven || s.prefix === o.prefix);
        for (const s of all)
          say(`${s.snapshot}  prefix ${s.prefix}  ${s.state}  ${s.startedAt}  ${s.indices} indices  counter ${s.counter}`);
        if (all.length === 0) say(`no backups in ${o.repository}`);
        return 0;
      }
      const r = await restoreStore(client, {
        repository: o.repository,
        snapshot: o.snapshot as string,
        toPrefix: o.toPrefix,
        replicas: o.replicas,
        timeoutMs: o.restoreTimeoutMs,
        progress: say,
      });
      say(
        `restored "${r.fromPrefix}" as "${r.prefix}": ${r.indices.length} indices, ${r.aliases} aliases, in ${(r.tookMs / 1000).toFixed(1)} s`,
      );
      if (!o.check) return 0;
      const c = await checkStore(client, { prefix: r.prefix, searchFields: SEARCH_FIELDS, gapTimeoutMs: o.gapTimeoutMs, progress: say });
      say(
        c.ok
          ? `the restored store is sound (${c.events} events, ${c.streams} streams)`
          : 'the restored store is NOT sound (see FAIL above)',
      );
      return c.ok ? 0 : 1;
    }
    const c = await checkStore(client, { prefix: o.prefix, searchFields: SEARCH_FIELDS, gapTimeoutMs: o.gapTimeoutMs, progress: say });
    say(c.ok ? `sound: ${c.events} events, ${c.streams} streams, in ${(c.tookMs / 1000).toFixed(1)} s` : 'NOT sound (see FAIL above)');
    return c.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`store:${o.command} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
