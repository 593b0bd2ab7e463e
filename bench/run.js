#!/usr/bin/env node
// `npm run bench`: compiles the project (src, libs, bench) to JavaScript with TypeScript's transpileModule, as
// ts-node --transpile-only would, into node_modules/.cache, then runs the bench from there. Neither the bench process
// nor the service process it starts then carries the TypeScript compiler, which would skew their CPU and RSS.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const out = path.join(root, 'node_modules', '.cache', 'gyroscops-bench', 'build');
const skip = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, root);
const compilerOptions = {
  ...parsed.options,
  module: ts.ModuleKind.CommonJS,
  sourceMap: false,
  inlineSourceMap: true,
  declaration: false,
  incremental: false,
};
delete compilerOptions.outDir;
delete compilerOptions.tsBuildInfoFile;

function compileDir(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'results' && entry.name !== 'node_modules') compileDir(rel);
    } else if (entry.name.endsWith('.ts') && !skip.test(entry.name)) {
      const source = fs.readFileSync(path.join(root, rel), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: path.join(root, rel) });
      const target = path.join(out, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, outputText);
    }
  }
}

const t0 = Date.now();
fs.rmSync(out, { recursive: true, force: true });
for (const dir of ['src', 'libs', 'packages', 'bench']) compileDir(dir);
fs.copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json')); // src/app.factory.ts imports it
process.stdout.write(`[bench] compiled the project into ${path.relative(root, out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const args = process.argv.slice(2);
const flags = ['--enable-source-maps'];
if (args.includes('--profile')) flags.push('--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, 'results', 'profiles', 'bench')}`);
const child = spawn(
  process.execPath,
  [...flags, '-r', require.resolve('tsconfig-paths/register'), path.join(out, 'bench', 'main.js'), ...args],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_BASEURL: out, BENCH_BUILD_DIR: out, BENCH_SOURCE_DIR: __dirname },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
