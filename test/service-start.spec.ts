import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { productionNodeFlags } from '../bench/core/service';

/**
 * The service runs with the same Node flags however it is started in production (the image's CMD, `npm start`,
 * `npm run start:prod`) and in the bench, which measures it as deployed: package.json's `start:prod` is the source.
 */
describe('how the service is started', () => {
  const root = join(__dirname, '..');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];

  it('the image runs the compiled entry point with start:prod’s flags', () => {
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd as string)).toEqual(['node', ...productionNodeFlags(scripts['start:prod']), 'dist/src/main.js']);
    expect(scripts['start:prod'].split(/\s+/).at(-1)).toBe('dist/src/main.js');
  });

  it('npm start builds, then runs start:prod', () => {
    expect(scripts.start).toMatch(/&& npm run build && npm run start:prod$/);
  });

  it('reads the flags between node and the entry point, and refuses a script that is not node <flags> <entry>', () => {
    expect(productionNodeFlags('node --a=1 --b dist/src/main.js')).toEqual(['--a=1', '--b']);
    expect(productionNodeFlags('node dist/src/main.js')).toEqual([]);
    expect(() => productionNodeFlags('nest start')).toThrow(/does not run node/);
    expect(() => productionNodeFlags('node --a')).toThrow(/no entry point/);
    // A flag's value must be joined to it: `--flag value` would read as an entry point followed by more words.
    expect(() => productionNodeFlags('node --max-old-space-size 512 dist/src/main.js')).toThrow(/"512" is not a --flag/);
  });

  it('this Node accepts the flags (a V8 flag it did not know would stop the service from starting)', () => {
    const r = spawnSync(process.execPath, [...productionNodeFlags(scripts['start:prod']), '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('bounds the heap growth, which holds the RSS under batched appends near 190 MB instead of 300 (bench/tools/memory-under-load.js)', () => {
    expect(productionNodeFlags(scripts['start:prod'])).toContain('--heap-growing-percent=50');
  });
});
