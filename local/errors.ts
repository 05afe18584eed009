/** Errors of local mode (emulators, front door, worker loop, archiver). */
import { problemError } from '../lambdas/core/errors.js';

/** Local mode could not start or stop one of its parts (engine, port, child process). */
export class LocalModeError extends problemError(500, 'Local mode failure') {}
