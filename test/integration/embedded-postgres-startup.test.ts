// Every way the embedded PostgreSQL can fail to start ends in seconds, in one line with the cause and the fix; a
// lock left by a crash is recovered when its server is gone. Real binaries, one cluster reused across the tests.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/platform/embedded-postgres.ts';
import { blockedFolder, ROOT_FALLBACK_DIR } from '../../src/platform/postgres-binaries.ts';
import { StartupError } from '../../src/platform/startup-error.ts';
import { freePort } from '../support/ports.ts';
import { tempFolder } from '../support/stack.ts';

const FAILS_WITHIN_MS = 5_000;

/** Asserts a start fails with one StartupError line matching `pattern`, within FAILS_WITHIN_MS. */
async function failsFast(start: Promise<EmbeddedPostgresHandle>, pattern: RegExp): Promise<string> {
  const began = Date.now();
  const error = await start.then(
    async (handle) => {
      await handle.stop();
      assert.fail('started, but should not have');
    },
    (e: unknown) => e,
  );
  assert.ok(error instanceof StartupError, `a StartupError, not ${String(error)}`);
  assert.match(error.message, pattern);
  assert.ok(!error.message.includes('\n'), 'one line');
  assert.ok(Date.now() - began < FAILS_WITHIN_MS, `failed after ${Date.now() - began} ms`);
  return error.message;
}

const gone = async (pid: number) => {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`process ${pid} is still there`);
};

describe('embedded PostgreSQL start-up', () => {
  const dataDir = join(tempFolder('dsrflow-startup-'), 'pg');
  let port: number;
  const start = (over: Partial<Parameters<typeof startEmbeddedPostgres>[0]> = {}) => startEmbeddedPostgres({ dataDir, port, ...over });

  before(async () => {
    port = await freePort();
    await (await start()).stop(); // the cluster the tests reuse
  });

  after(async () => {
    const handle = await start({ persistent: false }).catch(() => undefined);
    await handle?.stop();
  });

  test('after a crash (kill -9), the stale lock is removed and the server starts', async () => {
    const crashed = await start();
    process.kill(crashed.pid, 'SIGKILL');
    await gone(crashed.pid);
    const lock = readFileSync(join(crashed.dataDir, 'postmaster.pid'), 'utf8');
    assert.equal(Number(lock.split('\n')[0]), crashed.pid, 'the crash left its lock behind');
    // Its helpers (checkpointer, ...) notice the postmaster's death and leave; PostgreSQL refuses to start while
    // one still holds the shared memory, so wait for them as a restart would.
    await new Promise((r) => setTimeout(r, 500));

    const restarted = await start();
    try {
      assert.match(restarted.notes.join('\n'), new RegExp(`removed the stale lock .*pid ${crashed.pid}, is gone`));
    } finally {
      await restarted.stop();
    }
  });

  test('a lock naming a pid now used by another program is stale too', async () => {
    // The pid of this test process: alive, but not a PostgreSQL (pids are reused after a reboot or in a container).
    writeFileSync(join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n`);
    const handle = await start();
    await handle.stop();
    assert.match(handle.notes.join('\n'), /removed the stale lock/);
  });

  test('a PostgreSQL still running on the folder is named, not stopped', async () => {
    const running = await start();
    try {
      const message = await failsFast(start({ port: await freePort() }), new RegExp(`Another PostgreSQL \\(pid ${running.pid}\\) is already running on .*kill ${running.pid}.*DATABASE_URL`));
      assert.match(message, /Stop it/);
      process.kill(running.pid, 0); // still alive
    } finally {
      await running.stop();
    }
  });

  test('a port in use is named with the setting that fixes it', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      await failsFast(start(), new RegExp(`PostgreSQL: port ${port} on 127\\.0\\.0\\.1 is already in use .*set EMBEDDED_PG_PORT to a free port`));
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  test('a data folder of another PostgreSQL version is refused before anything runs', async () => {
    const versionFile = join(dataDir, 'PG_VERSION');
    const actual = readFileSync(versionFile, 'utf8');
    writeFileSync(versionFile, '16\n');
    try {
      await failsFast(start(), /was made by PostgreSQL 16; the embedded binaries are PostgreSQL \d+\.\d+\..*DATA_DIR.*DATABASE_URL/);
    } finally {
      writeFileSync(versionFile, actual);
    }
  });

  test("a server that cannot start says why, in PostgreSQL's own words", async () => {
    const config = join(dataDir, 'postgresql.auto.conf');
    const before = readFileSync(config, 'utf8');
    appendFileSync(config, "shared_buffers = 'plenty'\n");
    try {
      await failsFast(start(), /PostgreSQL stopped during start-up \(exit 1\): .*shared_buffers.*plenty/);
    } finally {
      writeFileSync(config, before);
    }
  });
});

describe('root in a private folder', () => {
  test('under root, a cluster asked for inside a private (0700) folder runs where user postgres can reach it', async () => {
    const privateDir = mkdtempSync(join(tmpdir(), 'dsrflow-private-')); // mkdtemp: 0700, as a private clone
    const handle = await startEmbeddedPostgres({ dataDir: join(privateDir, 'pg'), port: await freePort(), persistent: false });
    await handle.stop();
    if (process.getuid?.() === 0) {
      assert.ok(handle.dataDir.startsWith(`${ROOT_FALLBACK_DIR}/`), handle.dataDir);
      assert.match(handle.notes.join('\n'), new RegExp(`who cannot enter ${privateDir} \\(mode 0700, owner uid 0\\): its data is in ${handle.dataDir}`));
      assert.ok(!existsSync(handle.dataDir), 'a non-persistent cluster leaves nothing behind');
    } else {
      assert.equal(handle.dataDir, join(privateDir, 'pg'), 'not root: PostgreSQL runs as us, nothing moves');
    }
  });

  test('a DATA_DIR that does not exist yet is made reachable: only the cluster folder is private, it stays in place', async () => {
    const open = tempFolder('dsrflow-fresh-'); // 0755, like /tmp or a clone in a home folder
    const dataDir = join(open, 'not-yet', 'postgres');
    const handle = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
    try {
      assert.equal(handle.dataDir, dataDir, 'nothing moved: user postgres can enter every folder above it');
      assert.equal(statSync(join(open, 'not-yet')).mode & 0o777, 0o755, 'the folder made above the cluster has an ordinary mode');
      assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the cluster folder is private');
    } finally {
      await handle.stop();
    }
  });

  test('blockedFolder names the first folder a user may not enter', () => {
    const top = mkdtempSync(join(tmpdir(), 'dsrflow-blocked-'));
    chmodSync(top, 0o755);
    mkdirSync(join(top, 'open', 'shut', 'inner'), { recursive: true });
    chmodSync(join(top, 'open'), 0o755);
    chmodSync(join(top, 'open', 'shut'), 0o750);
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    const stranger = { name: 'stranger', uid: me.uid + 4242, gid: me.gid + 4242, groups: [me.gid + 4242] };
    assert.equal(blockedFolder(join(top, 'open', 'shut', 'inner', 'pg'), stranger), join(top, 'open', 'shut'));
    assert.equal(blockedFolder(join(top, 'open', 'pg'), stranger), undefined);
    // A member of the folder's group may enter (0750 gives the group search permission).
    assert.equal(blockedFolder(join(top, 'open', 'shut', 'inner'), { ...stranger, groups: [stranger.gid, me.gid] }), undefined);
  });
});
