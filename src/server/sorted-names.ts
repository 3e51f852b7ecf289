/** Names a chunk holds at most before it splits. */
const CHUNK = 512;

/**
 * A set of names kept in sorted order (by UTF-16 code units, which for the
 * ASCII names of protocol.md §3 is byte order), in chunks of at most 512:
 * inserting or removing one costs O(log n + 512), and reading the names
 * from an offset on costs O(n / 512 + count). An array kept sorted would
 * move every later name at each insert; sorting on each read is what made
 * `topics` cost seconds with 50,000 channels.
 */
export class SortedNames {
  private chunks: string[][] = [];
  size = 0;

  has(name: string): boolean {
    const chunk = this.chunks[this.chunkFor(name)];
    return chunk !== undefined && chunk[search(chunk, name)] === name;
  }

  /** Adds a name; false if it was there. */
  add(name: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([name]);
      this.size = 1;
      return true;
    }
    const c = this.chunkFor(name);
    const chunk = this.chunks[c]!;
    const i = search(chunk, name);
    if (chunk[i] === name) return false;
    chunk.splice(i, 0, name);
    this.size++;
    if (chunk.length > CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(CHUNK / 2));
    return true;
  }

  /** Removes a name; false if it was not there. */
  delete(name: string): boolean {
    const c = this.chunkFor(name);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    const i = search(chunk, name);
    if (chunk[i] !== name) return false;
    chunk.splice(i, 1);
    this.size--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /** Up to `count` names from position `offset` on, in order. */
  slice(offset: number, count: number): string[] {
    const out: string[] = [];
    let c = 0;
    let skip = offset;
    while (c < this.chunks.length && skip >= this.chunks[c]!.length) {
      skip -= this.chunks[c]!.length;
      c++;
    }
    for (; c < this.chunks.length && out.length < count; c++) {
      const chunk = this.chunks[c]!;
      for (let i = skip; i < chunk.length && out.length < count; i++) out.push(chunk[i]!);
      skip = 0;
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** The chunk a name belongs in: the last whose first name is not after it. */
  private chunkFor(name: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]![0]! <= name) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The first index whose name is not before `name`. */
function search(chunk: string[], name: string): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (chunk[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
