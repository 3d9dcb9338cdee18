// One syscall per message is what a Node client does by default: ioredis
// writes every command at once, amqplib's muxer writes every frame at once.
// On loopback TCP the sender also pays for the delivery, and the receiver
// wakes up per segment. Corking the socket on the first write of a tick and
// uncorking it on the next tick sends whatever the tick produced (the
// handlers of one batch run in the same tick) as ONE writev. Nothing waits
// for a timer: process.nextTick runs before the next I/O of the loop. The
// SMPP sessions do the same (packages/smpp, writeFrame).

interface CorkableSocket {
  write: (...args: unknown[]) => boolean;
  cork(): void;
  uncork(): void;
}

const CORKED = Symbol('smppgw.corkPerTick');

/** Makes `socket` coalesce the writes of each tick. Idempotent; false if `socket` cannot cork. */
export function corkPerTick(socket: unknown): boolean {
  const s = socket as (CorkableSocket & { [CORKED]?: true }) | undefined;
  if (!s || typeof s.cork !== 'function' || typeof s.uncork !== 'function') return false;
  if (s[CORKED]) return true;
  s[CORKED] = true;
  const write = s.write.bind(s);
  let corked = false;
  const uncork = () => {
    corked = false;
    s.uncork();
  };
  s.write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      s.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
  return true;
}
