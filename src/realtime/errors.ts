/**
 * Thrown by a use case's processBatch when input records themselves are unusable (not a
 * transient failure): the runner sends the failing records to the dead-letter stream
 * without waiting for the rest of the batch to succeed.
 */
export class RecordRejectedError extends Error {
  override name = 'RecordRejectedError';
}

/** A use case's settings (`realtime.useCases.<name>`) do not match its schema. */
export class UseCaseConfigError extends Error {
  override name = 'UseCaseConfigError';
  constructor(
    readonly useCase: string,
    readonly field: string,
    message: string,
  ) {
    super(`realtime.useCases.${useCase}${field ? `.${field}` : ''}: ${message}`);
  }
}
