/**
 * `npm run build:dynamodb-loopback`: rebuilds local/dynamodb-loopback/LoopbackDynamoDb.class from its
 * source and records both digests, so the committed class cannot drift from the committed source.
 */
import { writeFileSync } from 'node:fs';
import { compileLauncher, LAUNCHER_DIGESTS, launcherDigests, LOOPBACK_LAUNCHER_DIR } from './dynamodb-loopback.js';

compileLauncher(LOOPBACK_LAUNCHER_DIR);
writeFileSync(LAUNCHER_DIGESTS, launcherDigests());
process.stdout.write(launcherDigests());
