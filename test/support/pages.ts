/** A page of a listing: `{ items, nextCursor }`, the cursor absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Every page of a listing, in order, following `nextCursor` from the first page until a page has none. */
export async function allPages<T, Q extends object>(list: (query: Q & { cursor?: string }) => Promise<Page<T>>, query: Q): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...query, ...(cursor !== undefined && { cursor }) });
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}
