/** Errors of local mode (emulators, front door, worker loop, archiver). */
import { HooklineError } from '../lambdas/core/errors.js';

/** Local mode could not start or stop one of its parts (engine, port, child process). */
export class LocalModeError extends HooklineError {
  readonly status = 500;
  readonly title = 'Local mode failure';
}
