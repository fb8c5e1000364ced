/** Promises waiting for a value per key (a send's outcome per client id), settled together when it comes. */
export class Waiters<K, V> {
  readonly #waiting = new Map<K, ((value: V) => void)[]>();

  /** Resolves with the value {@link settle} gives `key`. */
  wait(key: K): Promise<V> {
    return new Promise((resolve) => {
      const list = this.#waiting.get(key);
      if (list) list.push(resolve);
      else this.#waiting.set(key, [resolve]);
    });
  }

  /** Resolves every waiter of `key` with `value`; whether there were any. */
  settle(key: K, value: V): boolean {
    const list = this.#waiting.get(key);
    if (!list) return false;
    this.#waiting.delete(key);
    for (const resolve of list) resolve(value);
    return true;
  }

  /** Keys with waiters. */
  keys(): K[] {
    return [...this.#waiting.keys()];
  }

  get size(): number {
    return this.#waiting.size;
  }
}
