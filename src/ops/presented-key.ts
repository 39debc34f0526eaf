/** How a request presents a key, for the messages that ask for one. */
export const KEY_HEADERS = 'Authorization: Bearer <key> or X-Api-Key: <key>';

/** The key a request presents: `Authorization: Bearer <key>`, else `X-Api-Key: <key>`. */
export function presentedKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const auth = headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  const header = headers['x-api-key'];
  return bearer ?? (typeof header === 'string' && header.trim() ? header.trim() : undefined);
}
