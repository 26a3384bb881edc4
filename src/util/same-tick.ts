// Reads of one key asked for in the same turn of the event loop share one query (DataLoader-style).
// The query starts only after that turn, so it sees everything each caller had seen committed when
// it asked: sharing it is as good as each caller reading on its own. A later caller never joins a
// query already sent; it gets the next one.
export function sameTick<K, V>(read: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const next = new Map<K, Promise<V>>();
  return (key) => {
    let p = next.get(key);
    if (!p) {
      p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        next.delete(key);
        return read(key);
      });
      next.set(key, p);
    }
    return p;
  };
}
