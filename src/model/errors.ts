/** Raised when bytes cannot be decoded as a record, or a record cannot be encoded. */
export class CodecError extends Error {
  override name = 'CodecError';
}
