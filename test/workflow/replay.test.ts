import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/stack.ts';

// Requests live for months: the workflow code that runs them changes under them. Each recorded history must
// replay on today's code without a non-determinism error; a change that breaks one needs `patched()`.
// Record a new one with RECORD_HISTORIES=1 on the time-skipping tests.
const dir = 'test/fixtures/histories';
const histories = readdirSync(dir).filter((f) => f.endsWith('.binpb'));

describe('recorded histories replay on the current workflow code', () => {
  test('there is at least one recorded history', () => assert.ok(histories.length > 0));
  for (const file of histories) {
    test(file, async () => {
      const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(dir, file)));
      await Worker.runReplayHistory({ workflowBundle: { code: (await workflowBundle()).code } }, history, file);
    });
  }
});
