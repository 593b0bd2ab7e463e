import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Schemathesis the contract test runs: pinned to a minor version, installed from PyPI into a venv outside git. */
export const SCHEMATHESIS_REQUIREMENT = 'schemathesis>=4.32,<4.33';
export const SCHEMATHESIS_DIR = __dirname;

const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
export const VENV = join(cacheRoot, 'gyroscops-schemathesis', 'venv');
const ST = join(VENV, 'bin', 'st');

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const installedVersion = (): string | null => {
  if (!existsSync(ST)) return null;
  const r = run(ST, ['--version']);
  return r.ok ? (/version (\S+)/.exec(r.output)?.[1] ?? null) : null;
};

/**
 * Returns the path of `st`, creating the venv and installing Schemathesis when they are missing (a fresh clone or
 * machine). Needs python3 with venv; on Debian as root, python3-venv is installed with apt-get when it is missing.
 */
export function ensureSchemathesis(): string {
  const version = installedVersion();
  if (version?.startsWith('4.32.')) return ST;
  let venv = run('python3', ['-m', 'venv', '--clear', VENV]);
  if (!venv.ok && process.getuid?.() === 0 && run('apt-get', ['--version']).ok) {
    // Debian splits ensurepip out of python3: bring it in, then try again.
    run('apt-get', ['update']);
    const pythonVersion = run('python3', ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")']).output.trim();
    run('apt-get', ['install', '-y', 'python3-venv', `python${pythonVersion}-venv`]);
    venv = run('python3', ['-m', 'venv', '--clear', VENV]);
  }
  if (!venv.ok) throw new Error(`Could not create a Python virtual environment at ${VENV} (python3 -m venv):\n${venv.output}`);
  const pip = run(join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', SCHEMATHESIS_REQUIREMENT]);
  if (!pip.ok) throw new Error(`Could not install ${SCHEMATHESIS_REQUIREMENT} from PyPI into ${VENV}:\n${pip.output}`);
  const installed = installedVersion();
  if (!installed?.startsWith('4.32.')) throw new Error(`Schemathesis 4.32 expected in ${VENV}, found ${installed ?? 'nothing'}`);
  return ST;
}

export interface SchemathesisRun {
  exitCode: number | null;
  output: string;
  seconds: number;
}

/** `st run <base>/docs-json --checks all` with the contract settings (schemathesis.toml, hooks.py), a fixed seed and bounded examples. */
export function runSchemathesis(
  st: string,
  baseUrl: string,
  token: string,
  options: { seed: number; maxExamples: number; workers: number; timeoutMs: number },
): Promise<SchemathesisRun> {
  const args = [
    '--config-file',
    join(SCHEMATHESIS_DIR, 'schemathesis.toml'),
    '--no-color',
    'run',
    `${baseUrl}/docs-json`,
    '--checks',
    'all',
    '--header',
    `Authorization: Bearer ${token}`,
    '--seed',
    String(options.seed),
    '--max-examples',
    String(options.maxExamples),
    '--workers',
    String(options.workers),
  ];
  const started = Date.now();
  // Hypothesis keeps its example database in the working directory: a fresh one per run, outside the repository.
  const cwd = mkdtempSync(join(tmpdir(), 'gyroscops-schemathesis-'));
  return new Promise<SchemathesisRun>((resolve, reject) => {
    const child = spawn(st, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: join(SCHEMATHESIS_DIR, 'hooks.py') },
      // Never outlives the test that started it.
      timeout: options.timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve({ exitCode, output, seconds: (Date.now() - started) / 1000 }));
  }).finally(() => rmSync(cwd, { recursive: true, force: true }));
}

/**
 * What the contract test prints of a run: the report after its SUMMARY banner (or the output's end), with each
 * `==== … ====` banner line rewritten. Schemathesis closes as pytest does (`==== 1 warning in 224.36s ====`), and a log
 * reader that knows pytest takes such a line, printed in the middle of `npm test`, for a pytest run that ran no test.
 */
export function schemathesisSummary(output: string): string {
  const section = /=+ SUMMARY =+\n([\s\S]*)$/.exec(output)?.[1] ?? output.slice(-4000);
  return section
    .split('\n')
    .map((line) => {
      const banner = /^=+ (.*?) =+$/.exec(line.trim());
      if (!banner) return line;
      return `Schemathesis closed with: ${banner[1].replace(/ in ([\d.]+)s$/, ', $1 s')}`;
    })
    .join('\n');
}
