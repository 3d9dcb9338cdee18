// Status answers (a vendor's, a customer's) join PostgreSQL's record with a
// live view from Redis or the broker. PostgreSQL's part must stand when the
// live source cannot answer: that part is then null, and a warning says why.
import type { Logger } from '@smpp-gateway/runtime';

export function nullIfUnavailable<T>(
  read: Promise<T>,
  logger: Logger,
  message: string,
  fields: Readonly<Record<string, unknown>>,
): Promise<T | null> {
  return read.catch((err: unknown) => {
    logger.warn(message, { ...fields, err });
    return null;
  });
}
