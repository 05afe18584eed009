/**
 * The console's browser assets, built with esbuild from `console/app` when first asked for (once
 * per process, in memory; esbuild comes with the package through tsx, which runs the CLI and local
 * mode). Building at start instead of committing a bundle means the served console can never be
 * older than its source. Everything is same-origin: no CDN, works offline.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface ConsoleAssets {
  js: Uint8Array;
  css: Uint8Array;
}

export const APP_ENTRY = fileURLToPath(new URL('../app/main.ts', import.meta.url));

/** The build options, shared with bench/bundle.ts so the benchmark measures what is served. */
export const BUILD_OPTIONS = {
  entryPoints: { app: APP_ENTRY },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  outdir: '/console',
  logLevel: 'silent',
  legalComments: 'none',
} as const;

let built: Promise<ConsoleAssets> | undefined;

export function consoleAssets(): Promise<ConsoleAssets> {
  built ??= build(BUILD_OPTIONS).then((result) => {
    const find = (suffix: string) => result.outputFiles.find((f) => f.path.endsWith(suffix))?.contents ?? new Uint8Array();
    return { js: find('/app.js'), css: find('/app.css') };
  });
  built.catch(() => {
    built = undefined;
  });
  return built;
}

const escapeAttr = (s: string) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: the token the API calls must carry, the stylesheet and the script. */
export function consoleHtml(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="hookline-console-token" content="${escapeAttr(token)}">
<title>Hookline console</title>
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body><div id="app"></div><noscript>The Hookline console needs JavaScript.</noscript></body>
</html>
`;
}
