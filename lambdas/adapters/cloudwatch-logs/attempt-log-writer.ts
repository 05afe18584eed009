/**
 * The attempt log's writer: each line as raw JSON on stdout, which Lambda ships to the worker's
 * log group unchanged (JSON log format passes a JSON line through unwrapped); the subscription
 * filter `{ $.kind = "hookline.attempt" }` sends it on to Firehose and S3.
 *
 * Raw, not through the Powertools Logger, for size: the same success line is 423 bytes raw and
 * 832 bytes through `logger.info` with the Lambda context (level, message, timestamp, service,
 * cold start, function ARN, name, memory, request id, sampling rate, X-Ray id), and CloudWatch
 * Logs bills every byte of the one line each delivery attempt writes.
 */
import type { AttemptLog } from '../../core/attempt-log.js';

export const stdoutAttemptLog: AttemptLog = {
  write(line) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
};
