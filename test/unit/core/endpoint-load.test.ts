import { describe, expect, it } from 'vitest';
import { EndpointLoad } from '../../../lambdas/core/endpoint-load.js';
import type { SubscriptionId } from '../../../lambdas/core/model.js';

const SLOW = 'sub_slow' as SubscriptionId;
const FAST = 'sub_fast' as SubscriptionId;

describe('EndpointLoad (per-endpoint in-flight cap)', () => {
  it('never caps requests that end before they count as slow, however many are in flight', () => {
    const load = new EndpointLoad({ maxSlowInFlight: 2, slowAfterMs: 500 });
    const ends = Array.from({ length: 50 }, () => load.begin(FAST, 0));
    expect(load.deferUntil(FAST, 499, 5000, false)).toBeUndefined();
    for (const end of ends) end();
    expect(load.inFlight(FAST)).toBe(0);
  });

  it('caps an endpoint once it holds maxSlowInFlight slow requests, until the oldest of them times out', () => {
    const load = new EndpointLoad({ maxSlowInFlight: 2, slowAfterMs: 500 });
    const first = load.begin(SLOW, 0);
    load.begin(SLOW, 100);
    expect(load.deferUntil(SLOW, 550, 5000, false)).toBeUndefined(); // one slow so far
    expect(load.deferUntil(SLOW, 600, 5000, false)).toBe(5000);
    expect(load.deferUntil(FAST, 600, 5000, false)).toBeUndefined(); // other endpoints unaffected
    first();
    expect(load.deferUntil(SLOW, 600, 5000, false)).toBeUndefined();
  });

  it('counts every request as slow while the endpoint has transport failures counting up', () => {
    const load = new EndpointLoad({ maxSlowInFlight: 2, slowAfterMs: 500 });
    load.begin(SLOW, 0);
    load.begin(SLOW, 10);
    expect(load.deferUntil(SLOW, 20, 3000, true)).toBe(3000);
  });

  it('remembers an open breaker until its end, so tasks are deferred before any read', () => {
    const load = new EndpointLoad();
    load.noteBreaker(SLOW, 10_000);
    expect(load.knownOpenUntil(SLOW, 9_999)).toBe(10_000);
    expect(load.knownOpenUntil(SLOW, 10_000)).toBeUndefined();
    load.noteBreaker(SLOW, undefined);
    expect(load.knownOpenUntil(SLOW, 0)).toBeUndefined();
  });
});
