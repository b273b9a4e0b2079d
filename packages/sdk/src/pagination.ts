// Lists follow the API's cursors: `for await (const item of lk.tokens.list())`
// walks every page; `.page()` fetches one (for a caller that keeps the cursor).

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

export class List<T> implements AsyncIterable<T> {
  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
    private readonly startCursor: string | undefined,
  ) {}

  /** One page: the first, or the one at the query's `cursor`. */
  page(): Promise<Page<T>> {
    return this.fetchPage(this.startCursor);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let cursor = this.startCursor;
    do {
      const page = await this.fetchPage(cursor);
      yield* page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Every item of every page (`max` stops early). */
  async toArray(max = Infinity): Promise<T[]> {
    const items: T[] = [];
    if (max <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= max) break;
    }
    return items;
  }
}
