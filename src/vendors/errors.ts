/**
 * Raised inside an adapter when a payload (or one item of it) cannot be used. Adapters
 * catch it and turn it into a `Rejection`; it never escapes `VendorAdapter.parse`.
 * `path` names the field at fault (`data[3].price.total`), `index` the payload item
 * (-1 for the whole payload).
 */
export class PayloadError extends Error {
  override name = 'PayloadError';
  readonly path: string;
  readonly index: number;

  constructor(path: string, problem: string, index = -1) {
    super(path ? `${path}: ${problem}` : problem);
    this.path = path;
    this.index = index;
  }
}
