/**
 * What one worker process knows about the endpoints it is sending to: the requests in flight per
 * subscription, and the breaker state its last read saw. A slow endpoint may hold at most
 * `maxSlowInFlight` of the worker's slots (requests running longer than `slowAfterMs`, or any
 * request while its transport failures are counting up); further tasks toward it are deferred,
 * not attempted. Healthy endpoints are never capped: their requests end before they count as slow.
 */
import type { SubscriptionId } from './model.js';

export interface EndpointLoadSettings {
  maxSlowInFlight: number;
  slowAfterMs: number;
}

export const ENDPOINT_LOAD_DEFAULTS: Readonly<EndpointLoadSettings> = { maxSlowInFlight: 2, slowAfterMs: 500 };

export class EndpointLoad {
  private readonly started = new Map<SubscriptionId, Set<number>>();
  private readonly openUntil = new Map<SubscriptionId, number>();
  private next = 0;
  private readonly startTimes = new Map<number, number>();

  constructor(readonly settings: EndpointLoadSettings = ENDPOINT_LOAD_DEFAULTS) {}

  /** Counts a request toward `id` as in flight; the returned function ends it. */
  begin(id: SubscriptionId, now: number): () => void {
    const token = this.next++;
    this.startTimes.set(token, now);
    const mine = this.started.get(id) ?? new Set<number>();
    mine.add(token);
    this.started.set(id, mine);
    return () => {
      mine.delete(token);
      this.startTimes.delete(token);
      if (mine.size === 0) this.started.delete(id);
    };
  }

  /**
   * When a task toward `id` may be tried again, if the endpoint already holds its share of slow
   * slots: the time the oldest of them times out. `suspect`: its transport failures are counting up,
   * so every request in flight counts as slow.
   */
  deferUntil(id: SubscriptionId, now: number, timeoutMs: number, suspect: boolean): number | undefined {
    const starts = [...(this.started.get(id) ?? [])].map((token) => this.startTimes.get(token) as number);
    const slow = starts.filter((at) => suspect || now - at >= this.settings.slowAfterMs);
    if (slow.length < this.settings.maxSlowInFlight) return undefined;
    return Math.min(...slow) + timeoutMs;
  }

  inFlight(id: SubscriptionId): number {
    return this.started.get(id)?.size ?? 0;
  }

  /** What the latest read (or change) of the subscription said about its breaker. */
  noteBreaker(id: SubscriptionId, openUntil: number | undefined): void {
    if (openUntil === undefined) this.openUntil.delete(id);
    else this.openUntil.set(id, openUntil);
  }

  /** The breaker's end when this process last saw it open and that is still ahead: no read needed to defer. */
  knownOpenUntil(id: SubscriptionId, now: number): number | undefined {
    const until = this.openUntil.get(id);
    return until !== undefined && now < until ? until : undefined;
  }
}
