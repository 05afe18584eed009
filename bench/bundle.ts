/**
 * bundle: each Lambda handler bundled exactly as the stack bundles it (lib/functions.ts: esbuild,
 * ESM, minify, platform node, the stack's target, AWS SDK inside, createRequire banner), then
 * its size (raw and gzip) and its module init time in a fresh Node process (median of 20), with
 * and without `--enable-source-maps` (the deployed functions set it in NODE_OPTIONS); 3 with --quick.
 * Targets (issue 19): receiver ≤ 500 KB, admin and worker ≤ 700 KB, init ≤ 150 ms. The five biggest inputs and packages say what dominates.
 * Also the operator console's initial load, built as it is served (console/server/assets.ts): all
 * of its JavaScript, gzipped, against the ≤ 150 KB target (issue 21), and its stylesheet.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { BUILD_OPTIONS as CONSOLE_BUILD } from '../console/server/assets.js';
import { isQuick } from './support/env.js';
import { onCleanup, progress, runBenchmark } from './support/output.js';
import { median, round } from './support/stats.js';

const execFileAsync = promisify(execFile);

const HANDLERS = ['receiver', 'admin', 'worker'] as const;
const INIT_RUNS = isQuick() ? 3 : 20;
const SIZE_TARGET_BYTES: Record<(typeof HANDLERS)[number], number> = { receiver: 500 * 1024, admin: 700 * 1024, worker: 700 * 1024 };
const INIT_TARGET_MS = 150;
const CONSOLE_JS_TARGET_GZIP_BYTES = 150 * 1024;

/**
 * Outside the repository, as in Lambda: a bundle that still imported a left-out package at load
 * could not find it in the project's node_modules, and its init would fail here.
 */
const outRoot = join(tmpdir(), `hookline-bench-bundle-${process.pid}/`);

/** The stack's bundling settings, read from the stack itself so the two never drift. */
async function stackBundling(): Promise<{ target: string; external: string[]; banner: string; entry: (name: (typeof HANDLERS)[number]) => string }> {
  const functions = await import('../lib/functions.js');
  return { target: functions.BUNDLE_TARGET, external: functions.BUNDLE_EXTERNALS, banner: functions.CJS_SHIM, entry: functions.handlerEntry };
}

/**
 * Module init: a fresh `node`, time from before `import()` of the bundle to after it resolves, as
 * wall time and as the process's CPU time (user + system) over the same span. On a shared machine
 * the wall time grows with the load; the CPU time barely does, and on an idle machine the two
 * are close (the import is single-threaded work).
 */
async function initTimeMs(file: string, sourceMaps: boolean): Promise<{ wall: number; cpu: number }> {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const w = performance.now() - t; const u = process.cpuUsage(c); process.stdout.write(JSON.stringify([w, (u.user + u.system) / 1000]));`;
  const { stdout } = await execFileAsync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script], {
    // What a Lambda function's environment carries at init; handlers read the rest lazily.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench', LAMBDA_TASK_ROOT: outRoot },
    timeout: 30_000,
  });
  const [wall, cpu] = JSON.parse(stdout.trim()) as [number, number];
  if (!Number.isFinite(wall) || !Number.isFinite(cpu)) throw new Error(`init of ${file} printed ${stdout}`);
  return { wall, cpu };
}

function topInputs(metafile: Metafile, output: string): { file: string; bytes: number }[] {
  const inputs = metafile.outputs[output]?.inputs ?? {};
  return Object.entries(inputs)
    .map(([file, v]) => ({ file, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** Bytes by npm package (`@scope/name`), or `(project)` for our own files. */
function topPackages(metafile: Metafile, output: string): { package: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const [file, v] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m?.[1] ?? '(project)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + v.bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([pkg, bytes]) => ({ package: pkg, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** The console's page loads one script and one stylesheet; the script is the whole initial JavaScript. */
async function measureConsole(): Promise<Record<string, unknown>> {
  const result = await build({ ...CONSOLE_BUILD, metafile: true });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (js === undefined || css === undefined) throw new Error('console build produced no app.js/app.css');
  const jsKey = Object.keys(result.metafile.outputs).find((k) => k.endsWith('.js')) as string;
  const gzipBytes = gzipSync(js.contents).length;
  progress(`bundle: console ${js.contents.length} bytes of JavaScript, ${gzipBytes} gzipped`);
  return {
    jsBytes: js.contents.length,
    jsGzipBytes: gzipBytes,
    jsGzipKb: round(gzipBytes / 1024, 1),
    cssGzipBytes: gzipSync(css.contents).length,
    targetGzipBytes: CONSOLE_JS_TARGET_GZIP_BYTES,
    withinTarget: gzipBytes <= CONSOLE_JS_TARGET_GZIP_BYTES,
    topPackages: topPackages(result.metafile, jsKey),
  };
}

async function measure(): Promise<Record<string, unknown>> {
  const { target, external, banner, entry } = await stackBundling();
  await rm(outRoot, { recursive: true, force: true });
  onCleanup(() => rm(outRoot, { recursive: true, force: true }));
  const handlers: Record<string, unknown> = {};
  for (const name of HANDLERS) {
    const dir = `${outRoot}${name}/`;
    await mkdir(dir, { recursive: true });
    const outfile = `${dir}index.mjs`;
    const result = await build({
      entryPoints: [entry(name)],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target,
      minify: true,
      sourcemap: true,
      mainFields: ['module', 'main'],
      banner: { js: banner },
      external,
      outfile,
      metafile: true,
      logLevel: 'warning',
    });
    const code = await readFile(outfile);
    const outputKey = Object.keys(result.metafile.outputs).find((k) => k.endsWith(`${name}/index.mjs`)) as string;

    progress(`bundle: ${name} ${code.length} bytes; timing ${INIT_RUNS} cold imports ×2`);
    const plain: { wall: number; cpu: number }[] = [];
    const withMaps: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < INIT_RUNS; i++) {
      plain.push(await initTimeMs(outfile, false));
      withMaps.push(await initTimeMs(outfile, true));
    }
    const initMs = round(median(plain.map((r) => r.wall)), 1);
    handlers[name] = {
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      kb: round(code.length / 1024, 1),
      sizeTargetBytes: SIZE_TARGET_BYTES[name],
      withinSizeTarget: code.length <= SIZE_TARGET_BYTES[name],
      initMsMedian: initMs,
      initMsMedianWithSourceMaps: round(median(withMaps.map((r) => r.wall)), 1),
      initCpuMsMedian: round(median(plain.map((r) => r.cpu)), 1),
      initCpuMsMedianWithSourceMaps: round(median(withMaps.map((r) => r.cpu)), 1),
      withinInitTarget: initMs <= INIT_TARGET_MS,
      topInputs: topInputs(result.metafile, outputKey),
      topPackages: topPackages(result.metafile, outputKey),
    };
  }
  return {
    target,
    node: process.version,
    runs: INIT_RUNS,
    initTargetMs: INIT_TARGET_MS,
    handlers,
    console: await measureConsole(),
  };
}

await runBenchmark('bundle', measure);
