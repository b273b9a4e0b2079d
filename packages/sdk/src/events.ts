// The verifier's end of GET /v1/verify/events: one server-sent-events stream,
// reconnected with back-off whenever it drops. `connected` is true only between
// the server's `ready` event and the moment the stream is known to be gone
// (closed, failed, or silent for longer than the heartbeat allows), which is the
// only time a cache fed by it may be trusted.
import { createParser } from 'eventsource-parser';
import { errorFromResponse, LatchkeyError } from './errors.js';
import type { Transport } from './transport.js';

/** What an `invalidate` event says: these tokens' answers (or all the org's) may have changed. */
export interface InvalidateEvent {
  orgId: string;
  tokenIds?: string[];
  all?: boolean;
}

export interface EventStreamHandlers {
  /** Subscribed: from now on no change is missed. */
  onReady(orgId: string): void;
  onInvalidate(event: InvalidateEvent): void;
  /** The stream is gone (after onReady) or could not be opened. */
  onDisconnect(error: Error | null): void;
}

export interface EventStreamOptions {
  /** First reconnection delay; doubles per failure up to `reconnectMaxMs`. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Silence longer than this (no event, no heartbeat) means the connection is dead. */
  idleTimeoutMs: number;
  /** How long opening the stream may take. */
  connectTimeoutMs: number;
}

export class VerifyEventStream {
  private running = false;
  private controller: AbortController | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private failures = 0;
  connected = false;

  constructor(
    private readonly transport: Transport,
    private readonly url: string,
    private readonly options: EventStreamOptions,
    private readonly handlers: EventStreamHandlers,
  ) {}

  /** Starts connecting (once; later calls do nothing). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.controller?.abort();
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let error: Error | null = null;
      try {
        await this.connectOnce();
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
      }
      if (this.connected) this.failures = 0;
      this.connected = false;
      if (!this.running) break;
      this.handlers.onDisconnect(error);
      const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.failures++);
      // Jitter, so verifiers dropped together by a restarting node do not all return at once.
      await this.sleep(base / 2 + Math.random() * (base / 2));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private async connectOnce(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const watch = (ms: number) => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), ms);
    };
    watch(this.options.connectTimeoutMs);
    try {
      let response: Response;
      try {
        response = await this.transport.fetchRaw(this.url, { method: 'GET', headers: { accept: 'text/event-stream' }, signal: controller.signal });
      } catch {
        throw new LatchkeyError({ status: 0, code: controller.signal.aborted ? 'timeout' : 'network_error', detail: 'Could not open the verify event stream' });
      }
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        throw errorFromResponse(response, body);
      }
      const parser = createParser({
        onEvent: (message) => {
          if (message.event === 'ready') {
            const { orgId } = JSON.parse(message.data) as { orgId: string };
            this.connected = true;
            this.handlers.onReady(orgId);
          } else if (message.event === 'invalidate') {
            this.handlers.onInvalidate(JSON.parse(message.data) as InvalidateEvent);
          }
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          watch(this.options.idleTimeoutMs);
          const { value, done } = await reader.read();
          if (done) return;
          parser.feed(value);
        }
      } catch (error) {
        if (!this.running) return;
        throw new LatchkeyError({
          status: 0,
          code: controller.signal.aborted ? 'timeout' : 'network_error',
          detail: controller.signal.aborted ? 'The verify event stream went silent' : `The verify event stream broke: ${error instanceof Error ? error.message : 'unknown error'}`,
        });
      } finally {
        reader.releaseLock();
        controller.abort();
      }
    } finally {
      clearTimeout(idle);
      if (this.controller === controller) this.controller = null;
    }
  }
}
