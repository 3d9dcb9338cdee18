/**
 * Counts what reaches the kernel through a net.Socket: node calls `_writev`
 * for a corked batch and `_write` for a lone chunk, so their calls are the
 * socket writes (syscalls) a burst cost. `restore()` puts the originals back.
 */
export function countSocketWrites(socket: unknown): { readonly writes: number; restore(): void } {
  const s = socket as {
    _write: (...a: unknown[]) => void;
    _writev: (...a: unknown[]) => void;
  };
  const write = s._write;
  const writev = s._writev;
  const counter = {
    writes: 0,
    restore() {
      s._write = write;
      s._writev = writev;
    },
  };
  s._write = (...a) => ((counter.writes += 1), write.apply(s, a));
  s._writev = (...a) => ((counter.writes += 1), writev.apply(s, a));
  return counter;
}
