import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { CLUSTER_BINARIES, clusterBinary, goEnvironment, installClusterTools, missingClusterBinaries } from '../../src/platform/cluster-toolchain.ts';
import { serverConfig, standardPorts } from '../../src/platform/temporal-cluster.ts';
import { checkVisibilityLimits } from '../../src/platform/visibility-limits.ts';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.ts';

describe('the cluster binaries (npm run tools -- install --cluster)', () => {
  test('all three are missing in a fresh project, each in a folder named by its pinned version', () => {
    const root = mkdtempSync(join(tmpdir(), 'dsrflow-cluster-tools-'));
    assert.deepEqual(missingClusterBinaries(root), ['server', 'sql', 'ui']);
    assert.match(clusterBinary('server', root), /\.tools\/temporal-server\/v1\.32\.2\/server$/);
    assert.match(clusterBinary('ui', root), /\.tools\/temporal-ui\/v2\.\d+\.\d+\/server$/);
    assert.notEqual(dirname(clusterBinary('server', root)), dirname(clusterBinary('ui', root)), 'two binaries named server do not overwrite each other');
  });

  test('the install is skipped when every pinned binary exists (no go is run)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dsrflow-cluster-tools-'));
    for (const name of CLUSTER_BINARIES) {
      mkdirSync(dirname(clusterBinary(name, root)), { recursive: true });
      writeFileSync(clusterBinary(name, root), '#!/bin/sh\n');
      chmodSync(clusterBinary(name, root), 0o755);
    }
    const said: string[] = [];
    assert.equal(await installClusterTools(root, (line) => said.push(line)), true);
    assert.deepEqual(said, [], 'nothing was built');
  });

  test('go runs with the pinned toolchain and a project-local GOPATH and caches', () => {
    const env = goEnvironment('server', '/project', {});
    assert.equal(env.GOTOOLCHAIN, 'go1.26.10');
    assert.equal(env.GOFLAGS, '-mod=mod');
    for (const key of ['GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOBIN'] as const) assert.ok(env[key]!.startsWith('/project/.tools/'), `${key} is under .tools/`);
  });
});

describe('the Temporal server config', () => {
  const config = JSON.parse(serverConfig({ postgres: { host: '127.0.0.1', port: 5544, user: 'postgres', password: 'pw' }, ports: standardPorts(7233), dynamicConfigFile: '/x/dc.yaml' }));
  test('PostgreSQL persistence and visibility (postgres12), 4 history shards, the dynamic config file', () => {
    assert.equal(config.persistence.numHistoryShards, 4);
    assert.equal(config.persistence.datastores['postgres-default'].sql.pluginName, 'postgres12');
    assert.equal(config.persistence.datastores['postgres-visibility'].sql.databaseName, 'temporal_visibility');
    assert.equal(config.dynamicConfigClient.filepath, '/x/dc.yaml');
  });
  test("Temporal's usual ports around the frontend", () => {
    assert.deepEqual(
      [config.services.frontend.rpc.grpcPort, config.services.history.rpc.grpcPort, config.services.matching.rpc.grpcPort, config.services.worker.rpc.grpcPort, config.services.frontend.rpc.membershipPort],
      [7233, 7234, 7235, 7239, 6933],
    );
  });
});

describe('SQL visibility limits on custom search attributes', () => {
  test('our search attributes fit (10 Keyword, 3 Bool, 3 Datetime, ...)', () => assert.deepEqual(checkVisibilityLimits(SEARCH_ATTRIBUTES), []));
  test('an eleventh Keyword or a fourth Bool is named', () => {
    const keywords = Array.from({ length: 11 }, (_, i) => ({ name: `K${i}`, type: 'KEYWORD' }));
    const bools = Array.from({ length: 4 }, (_, i) => ({ name: `B${i}`, type: 'BOOL' }));
    assert.deepEqual(checkVisibilityLimits([...keywords, ...bools]), ['11 KEYWORD attributes, at most 10', '4 BOOL attributes, at most 3']);
  });
});
