// Prometheus metrics (prom-client), one Registry per app so tests can build
// several apps side by side. Request counts and latency per route, verification
// results by code, the token cache's counters, event-loop lag; other modules add
// their own gauges with registerGauge (the webhook outbox its queue depth).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TokenCache } from '../tokens/cache.js';

const SECONDS_PER_NS = 1e-9;

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly verifications: Counter<'code'>;
  private readonly loopDelay: IntervalHistogram;

  constructor(tokenCache: TokenCache | undefined) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'latchkey_http_requests_total', help: 'HTTP requests served, by route and status.', labelNames: ['method', 'route', 'status'], registers });
    this.latency = new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route.',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.verifications = new Counter({ name: 'latchkey_verify_results_total', help: '/v1/verify answers, by code.', labelNames: ['code'], registers });

    // The cache keeps plain counters on its hot path; they are copied in when scraped.
    const cacheCounter = (name: string, help: string, read: (s: ReturnType<TokenCache['stats']>) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          if (!tokenCache) return;
          this.reset();
          this.inc(read(tokenCache.stats()));
        },
      });
    cacheCounter('latchkey_token_cache_hits_total', 'Token verifications answered from memory.', (s) => s.hits);
    cacheCounter('latchkey_token_cache_misses_total', 'Token verifications that read the database.', (s) => s.misses);
    cacheCounter('latchkey_token_cache_negative_hits_total', 'Unknown tokens answered from memory.', (s) => s.negativeHits);
    cacheCounter('latchkey_token_cache_refused_total', 'Reads not cached because their org changed meanwhile.', (s) => s.refused);
    cacheCounter('latchkey_token_cache_flushes_total', 'Times the whole cache was emptied (change listener lost or regained).', (s) => s.flushes);
    this.registerGauge('latchkey_token_cache_entries', 'Tokens cached now.', () => tokenCache?.stats().size ?? 0);

    this.loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.loopDelay.enable();
    const loop = new Gauge({
      name: 'latchkey_event_loop_lag_seconds',
      help: 'Event-loop delay since the last scrape: mean, p99 and max.',
      labelNames: ['stat'],
      registers,
      collect: () => {
        const h = this.loopDelay;
        if (h.count > 0) {
          loop.set({ stat: 'mean' }, h.mean * SECONDS_PER_NS);
          loop.set({ stat: 'p99' }, h.percentile(99) * SECONDS_PER_NS);
          loop.set({ stat: 'max' }, h.max * SECONDS_PER_NS);
        }
        h.reset();
      },
    });
  }

  /** A request was answered: `route` is the matched route's pattern (never the raw URL, which would make labels unbounded). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status });
    this.latency.observe({ method, route }, seconds);
  }

  countVerification(code: string): void {
    this.verifications.inc({ code });
  }

  /** A gauge whose value is read when /metrics is scraped (e.g. the webhook outbox's queue depth). */
  registerGauge(name: string, help: string, read: () => number | Promise<number>): void {
    const gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        gauge.set(await read());
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
