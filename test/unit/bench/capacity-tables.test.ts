import { describe, expect, it } from 'vitest';
import { capacityTables, replaceTables, type CapacityCell } from '../../../bench/support/capacity-tables.js';

const cell = (over: Partial<CapacityCell>): CapacityCell => ({
  load: 50_000,
  shape: '1:1',
  condition: '30% down',
  binding: 'dynamoTableWrites',
  headroom: 0.03,
  exceeded: ['dynamoTableWrites 34.1×', 'subscriptionItem 9×'],
  usdPerMonth: 4_123_456,
  deliveryIndexShards: 64,
  largestSubscriptionShareMax: 0.000888,
  ...over,
});

const line = {
  knobsByLoad: { '50000': { throttleRateLimit: 62_500, receiverReservedConcurrency: 2871, workerBatchSize: 100, workerBatchingWindowSeconds: 1, workerInFlight: 100, workerConcurrency: 10, workerPollers: 566, deliveryIndexShards: 64 } },
  sized: [cell({}), cell({ load: 100, condition: 'healthy', binding: 'apiStageThrottle', headroom: 1.25, exceeded: [], usdPerMonth: 1_712, deliveryIndexShards: 16, largestSubscriptionShareMax: 1 })],
  defaults: [cell({ exceeded: [] })],
  quotaIncreases: { lambdaConcurrency: { default: 1000, needed: 9300, adjustable: true } },
};

describe('capacity tables for docs/scaling.md', () => {
  it('renders the knobs, the sized rows with their shard count and largest share, the quotas and the defaults', () => {
    const tables = capacityTables(line);
    expect(tables['Sized by `sizeKnobs`']).toContain('| 50,000/s | 62500 | 2871 | 100 | 1 | 100 | 10 | 566 | 64 |');
    expect(tables['## The table (knobs sized per load)']).toContain(
      '| 50,000/s | 1:1 | 30% down | dynamoTableWrites | 0.03× | dynamoTableWrites 34.1×, subscriptionItem 9× | $4.12 M | 64 | 0.09 % |',
    );
    expect(tables['## The table (knobs sized per load)']).toContain('| 100/s | 1:1 | healthy | apiStageThrottle | 1.25× | — | $1.7 k | 16 | 100 % |');
    expect(tables['## Quota increases an operator must request']).toBe('| quota | default | needed | adjustable |\n|---|---|---|---|\n| lambdaConcurrency | 1,000 | 9,300 | yes |');
    expect(tables["## With the stack's defaults"]).toContain('| 50,000/s | 1:1 | 30% down | dynamoTableWrites | 0.03× | — | $4.12 M |');
  });

  it('replaces only the first table under each heading and keeps the prose', () => {
    const doc = '# T\n\n## Quota increases an operator must request\n\nText before.\n\n| old |\n|---|\n| row |\n\nText after.\n\n| other |\n|---|\n';
    const out = replaceTables(doc, { '## Quota increases an operator must request': '| new |\n|---|' });
    expect(out).toBe('# T\n\n## Quota increases an operator must request\n\nText before.\n\n| new |\n|---|\n\nText after.\n\n| other |\n|---|\n');
    expect(() => replaceTables(doc, { '## Missing': '| x |' })).toThrow(/no line starting "## Missing"/);
  });
});
