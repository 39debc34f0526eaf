import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UseCaseConfigError } from './errors.js';
import { servingConfigSchema } from './serving-use-case.js';
import { useCaseConfig } from './use-case-config.js';

describe('useCaseConfig', () => {
  it('applies defaults when the use case has no settings', () => {
    const defaults = { pruneEveryMinutes: 10, fareRetentionHours: 48, searchRetentionHours: 48 };
    assert.deepEqual(useCaseConfig('serving', servingConfigSchema, {}), defaults);
    assert.deepEqual(useCaseConfig('serving', servingConfigSchema, undefined), defaults);
  });
  it('names the use case and the field at fault', () => {
    assert.throws(
      () => useCaseConfig('serving', servingConfigSchema, { serving: { pruneEveryMinutes: -1 } }),
      (err: unknown) =>
        err instanceof UseCaseConfigError &&
        /^realtime\.useCases\.serving\.pruneEveryMinutes: /.test(err.message),
    );
    assert.throws(
      () => useCaseConfig('serving', servingConfigSchema, { serving: { prune: 1 } }),
      /realtime\.useCases\.serving: .*prune/,
    );
  });
});
