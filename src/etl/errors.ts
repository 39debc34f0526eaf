/** A job definition is invalid (bad name, cron, pond or partition column); `field` names what. */
export class JobDefinitionError extends Error {
  override name = 'JobDefinitionError';
  constructor(
    readonly job: string,
    readonly field: string,
    message: string,
  ) {
    super(`ETL job "${job}": ${field} ${message}`);
  }
}

/** No job of that name is defined (default ponds and customer jobs alike). */
export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
  constructor(
    readonly job: string,
    readonly known: readonly string[],
  ) {
    super(`no ETL job "${job}" (known: ${known.join(', ') || 'none'})`);
  }
}

/** A run of `job` failed; `cause` is the engine or file-system error. */
export class JobRunError extends Error {
  override name = 'JobRunError';
  constructor(
    readonly job: string,
    readonly runId: number,
    options?: ErrorOptions,
  ) {
    super(
      `ETL job ${job} run ${runId} failed: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`,
      options,
    );
  }
}

/** A runner of another process holds the job's lease (runs in one process wait: lease.ts). */
export class JobBusyError extends Error {
  override name = 'JobBusyError';
  constructor(
    readonly job: string,
    readonly owner: string,
  ) {
    super(`ETL job ${job} is already running (held by ${owner})`);
  }
}

/**
 * A run of `job` did not start because its process is stopping: it was waiting for the
 * run of the same job before it (lease.ts) when the scheduler stopped. Nothing was
 * recorded; the next slot runs it.
 */
export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
  constructor(readonly job: string) {
    super(`the run of ${job} did not start: the process is stopping`);
  }
}
