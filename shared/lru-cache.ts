/**
 * A map that holds at most `capacity` entries and forgets the least recently used one to take a new
 * one, so that what a process remembers about the keys it is shown cannot grow with what a client
 * invents. Reads and writes both count as use; each costs O(1) (a Map keeps insertion order, and a
 * used entry is moved to its end).
 */
export class LruCache<Key, Value> {
  private readonly entries = new Map<Key, Value>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: Key): Value | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as Value;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: Key, value: Value): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as Key);
    this.entries.set(key, value);
  }
}
