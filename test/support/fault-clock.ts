/**
 * Compressed time for scenarios whose delays are real AWS delays (15-minute SQS hops, retries
 * 40 minutes away): a clock that runs `speed` times faster than the wall clock, and a queue that
 * asks SQS for `speed` times shorter delays. Hookline's code sees the delays it computed; only
 * the waiting is shortened, consistently for the clock and the queue.
 */
import type { Clock, QueuedTask, TaskQueue } from '../../lambdas/core/ports.js';

export class VirtualClock implements Clock {
  private readonly origin = Date.now();
  constructor(readonly speed: number) {}
  now(): number {
    return this.origin + (Date.now() - this.origin) * this.speed;
  }
}

export class CompressedQueue implements TaskQueue {
  /** Every send, with the delay Hookline asked for. */
  readonly sent: QueuedTask[] = [];
  constructor(
    private readonly inner: TaskQueue,
    private readonly speed: number,
  ) {}
  async sendMany(tasks: readonly QueuedTask[]): Promise<void> {
    this.sent.push(...tasks);
    await this.inner.sendMany(tasks.map((t) => ({ ...t, delaySeconds: Math.ceil(t.delaySeconds / this.speed) })));
  }
}
