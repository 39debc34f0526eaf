/** Pieces both Sabre shapes share. */
import { isObject, list, optStr } from '../read.js';

/** Sabre's transaction id from its messages (`Code`/`code` TRANSACTIONID), if present. */
export function sabreTransactionId(messages: unknown): string | undefined {
  for (const m of list(messages)) {
    if (!isObject(m)) continue;
    if ((m.Code ?? m.code) === 'TRANSACTIONID') return optStr(m.ShortText ?? m.text);
  }
  return undefined;
}

/** The first message of a Sabre error list (`Errors.Error` or `messages`), if any. */
export function sabreError(errors: unknown): string | undefined {
  for (const e of list(errors)) {
    if (!isObject(e)) continue;
    const text = optStr(e.ShortText ?? e.text);
    if (text) return `Sabre error ${String(e.Code ?? e.code ?? '')}: ${text}`;
  }
  return undefined;
}
