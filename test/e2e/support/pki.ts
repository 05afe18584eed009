/**
 * The test CA for local mode's outbound TLS: local mode trusts it through
 * `HOOKLINE_EXTRA_CA_FILE` (a file, since the child process reads it at start).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPki, type TestPki } from '../../support/tls.js';

export interface E2ePki {
  pki: TestPki;
  /** Environment for `startLocal({ env })`. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function e2ePki(): Promise<E2ePki> {
  const pki = await testPki();
  const dir = await mkdtemp(join(tmpdir(), 'hookline-e2e-ca-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  return { pki, env: { HOOKLINE_EXTRA_CA_FILE: caFile }, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
