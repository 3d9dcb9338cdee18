/** `sgw_` + 32 bytes base64url (43 characters): the shape `generateApiToken` mints. */
const TOKEN_SHAPE = /^sgw_[A-Za-z0-9_-]{43}$/;

export type BearerParse =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

/**
 * Reads `Authorization: Bearer <token>`. A value that cannot be one of our
 * tokens is rejected without a database lookup (and counts as a failed
 * attempt, like an unknown token).
 */
export function parseBearer(header: string | undefined): BearerParse {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || !TOKEN_SHAPE.test(token)) return { kind: 'malformed' };
  return { kind: 'token', token };
}
