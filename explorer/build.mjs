// Builds the event explorer (explorer/src) into dist/explorer: one JavaScript bundle and one style sheet, named by
// content hash, and the index.html that loads them. No CDN: everything the page needs is in these files.
//   node explorer/build.mjs [--outdir DIR] [--watch]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outdirArg = args.indexOf('--outdir');
const outdir = resolve(outdirArg >= 0 ? args[outdirArg + 1] : join(here, '..', 'dist', 'explorer'));
const watch = args.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: 'linked',
  outdir,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
  tsconfig: join(here, 'tsconfig.json'),
  plugins: [
    {
      name: 'index-html',
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length > 0 || !result.metafile) return;
          const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
          const js = outputs.find((f) => /^app-.*\.js$/.test(f));
          const css = outputs.find((f) => /^app-.*\.css$/.test(f));
          const html = readFileSync(join(here, 'index.html'), 'utf8').replace('%APP_JS%', js).replace('%APP_CSS%', css);
          writeFileSync(join(outdir, 'index.html'), html);
          // Drop bundles of earlier builds (watch mode, or an older dist/explorer).
          const keep = new Set([...outputs, 'index.html']);
          for (const f of readdirSync(outdir)) if (!keep.has(f)) rmSync(join(outdir, f), { force: true });
          const hash = createHash('sha256').update(html).digest('hex').slice(0, 8);
          if (watch) process.stdout.write(`explorer rebuilt (${hash})\n`);
        });
      },
    },
  ],
};

mkdirSync(outdir, { recursive: true });
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  process.stdout.write(`Watching explorer/src, writing ${outdir}\n`);
} else {
  await esbuild.build(options);
}
