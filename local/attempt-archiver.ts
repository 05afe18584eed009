/**
 * The local attempt archiver: what CloudWatch Logs → Firehose → S3 does in AWS. Buffers attempt
 * log lines and, on an interval, writes one gzip NDJSON object per flush under
 * `attempts/YYYY/MM/DD/` in the emulator's bucket, so the archive format is tested end to end.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

const gzipAsync = promisify(gzip);

export interface AttemptArchiverOptions {
  s3: S3Client;
  bucket: string;
  /** @default 5000 */
  intervalMs?: number;
  /** @default 'attempts/' */
  prefix?: string;
  /** @default Date.now */
  now?: () => number;
  /** A failed upload keeps its lines for the next flush. */
  onError?: (error: unknown) => void;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `attempts/2024/05/01/20240501T120000123Z-1a2b3c4d.ndjson.gz`: dated by flush time (UTC), like Firehose. */
export function archiveKey(prefix: string, at: Date, random = randomBytes(4).toString('hex')): string {
  const y = at.getUTCFullYear();
  const m = pad(at.getUTCMonth() + 1);
  const d = pad(at.getUTCDate());
  const stamp = `${y}${m}${d}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}${pad(at.getUTCMilliseconds(), 3)}Z`;
  return `${prefix}${y}/${m}/${d}/${stamp}-${random}.ndjson.gz`;
}

export class AttemptArchiver {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<string | undefined> = Promise.resolve(undefined);
  private readonly intervalMs: number;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(private readonly options: AttemptArchiverOptions) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.prefix = options.prefix ?? 'attempts/';
    this.now = options.now ?? Date.now;
  }

  /** Buffers one line (any JSON object; the worker passes `AttemptLogLine`s). */
  write(line: object): void {
    this.buffer.push(JSON.stringify(line));
  }

  get pending(): number {
    return this.buffer.length;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes everything buffered as one object; resolves to its key (undefined when nothing was buffered). */
  flush(): Promise<string | undefined> {
    // Serialised, so objects never interleave and stop() waits for the last one.
    this.flushing = this.flushing.then(() => this.upload());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async upload(): Promise<string | undefined> {
    if (this.buffer.length === 0) return undefined;
    const lines = this.buffer;
    this.buffer = [];
    const key = archiveKey(this.prefix, new Date(this.now()));
    try {
      const body = await gzipAsync(Buffer.from(`${lines.join('\n')}\n`));
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          // As Firehose writes them: a .gz object, no Content-Encoding (clients must not auto-gunzip).
          ContentType: 'application/gzip',
        }),
      );
      return key;
    } catch (error) {
      this.buffer = [...lines, ...this.buffer];
      this.options.onError?.(error);
      return undefined;
    }
  }
}
