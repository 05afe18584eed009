#!/usr/bin/env node
// The `hookline` package bin: runs cli/main.ts through tsx (a dependency of the project),
// so it works right after `npm ci` with no build step.
import { tsImport } from 'tsx/esm/api';

const { runCli } = await tsImport('./main.ts', import.meta.url);

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: controller.signal,
});
