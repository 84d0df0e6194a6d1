import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { withoutPersonalDataInFailures } from '../../src/activities/failures.ts';

describe('activity failures carry no personal data into the workflow history', () => {
  const activities = withoutPersonalDataInFailures({
    smtp: async () => {
      throw Object.assign(new Error('550 5.1.1 <jane.doe@example.com>: Recipient address rejected'), { name: 'SMTPError', code: 'EENVELOPE' });
    },
    coded: async () => {
      throw ApplicationFailure.nonRetryable('request 42 does not exist', 'REQUEST.NOT_FOUND');
    },
    fine: async (x: number) => x * 2,
  });

  test('a driver or SMTP message is replaced by its kind and code', async () => {
    await assert.rejects(activities.smtp(), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.message, 'SMTPError (EENVELOPE)');
      assert.equal(error.type, 'SMTPError');
      assert.equal(error.nonRetryable, false, 'still retried');
      assert.ok(!JSON.stringify(error).includes('jane.doe'));
      return true;
    });
  });
  test('our own coded failures pass unchanged', async () => {
    await assert.rejects(activities.coded(), (error: unknown) => error instanceof ApplicationFailure && error.type === 'REQUEST.NOT_FOUND' && error.nonRetryable);
  });
  test('results pass unchanged', async () => assert.equal(await activities.fine(21), 42));
});
