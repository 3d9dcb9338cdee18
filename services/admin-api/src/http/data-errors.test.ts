import { ConflictError, ForeignKeyError, InvalidInputError } from '@smpp-gateway/db';
import { describe, expect, it } from 'vitest';
import { dataErrorToApiError } from './data-errors.js';

const pgCause = { code: '23514', detail: 'Failing row contains (…, $argon2id$v=19$…)' };

describe('dataErrorToApiError', () => {
  it('unique violations → 409 with the field named', () => {
    const err = dataErrorToApiError(
      new ConflictError('dup', {
        constraint: 'accounts_system_id_key',
        detail: 'Key (system_id)=(acme) already exists.',
      }),
      'POST',
    );
    expect(err).toMatchObject({
      status: 409,
      code: 'conflict',
      message: 'a customer with this systemId already exists',
    });
    expect(err.details).toEqual({ constraint: 'accounts_system_id_key' });
  });

  it('foreign keys: 400 on writes, 409 on deletes', () => {
    const fk = new ForeignKeyError('fk', { constraint: 'numbers_customer_id_fkey' });
    expect(dataErrorToApiError(fk, 'POST')).toMatchObject({
      status: 400,
      code: 'invalid_reference',
    });
    expect(dataErrorToApiError(fk, 'PATCH')).toMatchObject({
      status: 400,
      code: 'invalid_reference',
    });
    expect(dataErrorToApiError(fk, 'DELETE')).toMatchObject({
      status: 409,
      code: 'still_referenced',
    });
  });

  it('CHECK failures never pass on PostgreSQL text (its detail holds the whole row)', () => {
    const err = dataErrorToApiError(
      new InvalidInputError(
        'invalid value (accounts_name_check): new row for relation …',
        {
          constraint: 'accounts_name_check',
          detail: pgCause.detail,
        },
        { cause: pgCause },
      ),
      'PATCH',
    );
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid_value',
      message: 'a value was rejected by the database',
    });
    expect(JSON.stringify(err.details)).not.toContain('argon2');
  });

  it("keeps the repository's own validation message (no PostgreSQL cause)", () => {
    const err = dataErrorToApiError(
      new InvalidInputError('allowed_ips: not an IP address or CIDR: x'),
      'POST',
    );
    expect(err.message).toBe('allowed_ips: not an IP address or CIDR: x');
  });

  it('an optimistic-concurrency conflict keeps its message', () => {
    const err = dataErrorToApiError(
      new ConflictError('vendor was modified concurrently: version is 3, expected 2'),
      'PATCH',
    );
    expect(err).toMatchObject({
      status: 409,
      message: 'vendor was modified concurrently: version is 3, expected 2',
    });
  });
});
