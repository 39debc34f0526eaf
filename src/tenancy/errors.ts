/** Bad customer, grant or customer-job input; `field` names what. */
export class TenancyError extends Error {
  override name = 'TenancyError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
