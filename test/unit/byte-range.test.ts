import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byteRange, rangeStillApplies } from '../../src/api/downloads/byte-range.ts';

describe('byte ranges of a download (RFC 9110 14.1.2)', () => {
  test('first-last, first-, the last N bytes; the end is held to the file', () => {
    assert.deepEqual(byteRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(byteRange('bytes=900-', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRange('bytes=-300', 1000), { start: 700, end: 999 });
    assert.deepEqual(byteRange('bytes=-5000', 1000), { start: 0, end: 999 });
    assert.deepEqual(byteRange('bytes=990-5000', 1000), { start: 990, end: 999 });
  });

  test('starting at or past the end is unsatisfiable (416); so is an empty suffix or any range of an empty file', () => {
    assert.equal(byteRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(byteRange('bytes=-0', 1000), 'unsatisfiable');
    assert.equal(byteRange('bytes=0-10', 0), 'unsatisfiable');
  });

  test('no header, several ranges, another unit, last before first or garbage: the whole file', () => {
    for (const header of [undefined, 'bytes=0-1,5-9', 'items=0-5', 'bytes=9-1', 'bytes=-', 'bytes=a-b', 'bytes=0-99999999999999999999']) assert.equal(byteRange(header, 1000), null, String(header));
  });

  test('If-Range: the range stands only for the same ETag', () => {
    assert.equal(rangeStillApplies(undefined, '"abc"'), true);
    assert.equal(rangeStillApplies('"abc"', '"abc"'), true);
    assert.equal(rangeStillApplies('"other"', '"abc"'), false);
    assert.equal(rangeStillApplies('Tue, 01 Dec 2026 10:00:00 GMT', '"abc"'), false);
    assert.equal(rangeStillApplies('"abc"', null), false);
  });
});
