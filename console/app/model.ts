/** The API shapes the console reads (docs/openapi.json), only as far as it uses them. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'paused' | 'dropped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'paused', 'dropped'];
export const PRESETS = ['standard', 'tiktok-shop', 'shopify', 'partoo'] as const;
export const FAILURE_CLASSES = ['timeout', 'network', '3xx', '4xx', '429', '5xx'] as const;

export interface Attempt {
  attempt: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  statusCode?: number;
  outcome: string;
  reason?: string;
  responseExcerpt?: string;
  nextAttemptAt?: string;
  trigger: string;
  signatureHeaders?: Record<string, string>;
}

export interface Delivery {
  id: string;
  messageId: string;
  subscriptionId: string;
  tenant?: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  generation: number;
  nextAttemptAt?: string;
  lastOutcome?: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
  attempts: Attempt[];
}

export interface Health {
  [key: string]: unknown;
}

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  tenant?: string;
  fallback?: boolean;
  method?: string;
  format?: string;
  envelope?: string;
  preset?: string;
  signing?: { scheme: string; header?: string };
  auth?: { type: string; username?: string };
  customHeaders?: Record<string, string>;
  timeoutMs?: number;
  acceptStatuses?: (number | string)[];
  retryOn?: string[];
  retryPolicy?: unknown;
  failurePolicy?: unknown;
  status: 'active' | 'disabled';
  disabledReason?: string;
  description?: string;
  metadata?: Record<string, string>;
  consecutiveFailures?: number;
  createdAt: string;
  updatedAt: string;
  /** Added by the health work (streak, breaker); shown when present. */
  health?: Health;
}

export interface MessageView {
  id: string;
  type: string;
  tenant?: string;
  eventTime: string;
  createdAt: string;
  routing: string;
  payload: unknown;
  deliveries: { id: string; subscriptionId: string; status: DeliveryStatus; attemptCount: number; nextAttemptAt?: string }[];
}

export interface ReplayJob {
  id: string;
  subscriptionId: string;
  since: string;
  until: string;
  onlyFailed: boolean;
  status: 'running' | 'done';
  matched: number;
  enqueued: number;
  phase: string;
  createdAt: string;
  updatedAt: string;
}
