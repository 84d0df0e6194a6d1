import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CONTRACT_TESTER, executableOption, locateContractTester, locateTool } from '../../src/platform/toolchain.ts';

const fakeBinary = (dir: string, name: string) => {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
};

describe('finding the Temporal binaries', () => {
  const root = mkdtempSync(join(tmpdir(), 'dsrflow-tools-'));
  const venvBinary = fakeBinary(join(root, '.tools', 'venv', 'bin'), 'temporal');
  const pathBinary = fakeBinary(join(root, 'on-path'), 'temporal');
  const envBinary = fakeBinary(join(root, 'from-env'), 'temporal-custom');

  test('the env var wins over PATH and the venv', () => {
    assert.deepEqual(locateTool('cli', { TEMPORAL_CLI_PATH: envBinary, PATH: join(root, 'on-path') }, root), { source: 'env', path: envBinary });
  });
  test('then PATH, then the project venv', () => {
    assert.deepEqual(locateTool('cli', { PATH: join(root, 'on-path') }, root), { source: 'path', path: pathBinary });
    assert.deepEqual(locateTool('cli', { PATH: '/nonexistent' }, root), { source: 'venv', path: venvBinary });
  });
  test('and last the SDK download, for machines with internet', () => {
    const location = locateTool('testServer', { PATH: '/nonexistent' }, root);
    assert.deepEqual(location, { source: 'cached-download' });
    assert.deepEqual(executableOption(location), { type: 'cached-download' });
  });
  test('an env var pointing at nothing is an error, not a silent fallback', () => {
    assert.throws(() => locateTool('testServer', { TEMPORAL_TEST_SERVER_PATH: join(root, 'missing') }, root), /TEMPORAL_TEST_SERVER_PATH/);
  });
});

describe('finding schemathesis (the contract tester)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dsrflow-tools-'));
  const venvBinary = fakeBinary(join(root, '.tools', 'venv', 'bin'), 'schemathesis');
  const pathBinary = fakeBinary(join(root, 'on-path'), 'schemathesis');

  test('the env var, then the project venv, then PATH; nothing installed is undefined', () => {
    const envBinary = fakeBinary(join(root, 'from-env'), 'st');
    assert.equal(locateContractTester({ SCHEMATHESIS_PATH: envBinary, PATH: join(root, 'on-path') }, root), envBinary);
    assert.equal(locateContractTester({ PATH: join(root, 'on-path') }, root), venvBinary);
    const bare = mkdtempSync(join(tmpdir(), 'dsrflow-tools-'));
    assert.equal(locateContractTester({ PATH: join(root, 'on-path') }, bare), pathBinary);
    assert.equal(locateContractTester({ PATH: '/nonexistent' }, bare), undefined);
  });

  test('pinned to an exact 4.x version', () => {
    assert.match(CONTRACT_TESTER.version, /^4\.\d+\.\d+$/);
  });
});
