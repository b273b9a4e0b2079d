// Reads GET /v1/verify/events the way any client would (fetch + an SSE parser),
// so tests can wait for the next event that matches.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface SseStream {
  status: number;
  headers: Headers;
  body: unknown;
  /** Every event so far. */
  events: SseEvent[];
  /** Resolves with the first event (from the start, or after `after`) that matches; rejects if the stream ends first. */
  next(match: (event: SseEvent) => boolean, after?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEvents(baseUrl: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/v1/verify/events`, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let finished = false;
  if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return {
      status: response.status,
      headers: response.headers,
      body: await response.json(),
      events,
      next: () => Promise.reject(new Error('no stream')),
      ended: Promise.resolve(),
      close: () => undefined,
    };
  }
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      events.push({ event: message.event ?? 'message', data: JSON.parse(message.data) as Record<string, unknown> });
      for (const wake of waiters) wake();
    },
  });
  const ended = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch {
      // aborted by close()
    } finally {
      finished = true;
      for (const wake of waiters) wake();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    body: null,
    events,
    ended,
    close: () => controller.abort(),
    next(match, after = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.slice(after).find(match);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (finished) {
            waiters.delete(check);
            reject(new Error(`stream ended before a matching event; got ${JSON.stringify(events)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
