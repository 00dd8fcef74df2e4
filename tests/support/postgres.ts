// Throwaway PostgreSQL clusters for the tests, started from the machine's
// server binaries (Debian: apt-get install postgresql):
//   primary  password (SCRAM) auth on 127.0.0.1, pg_stat_statements preloaded,
//            WAL archiving on, the runbook data set (seed.sql)
//   replica  a streaming replica of the primary (pg_basebackup), for replication lag
//   scratch  a cluster fault tests may stop and start (database down mid-run)
// As root, the server runs as the postgres OS user (initdb refuses root).
// VIGIL_TEST_PG_BINDIR points at another bin directory.

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

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

function binDir(): string {
  const fromEnv = process.env.VIGIL_TEST_PG_BINDIR;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return join(root, versions[0], 'bin');
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: install them (Debian: apt-get install postgresql) or set VIGIL_TEST_PG_BINDIR');
}

const asRoot = process.getuid?.() === 0;

function osUser(): { uid: number; gid: number } | undefined {
  if (!asRoot) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running the tests as root needs the postgres OS user (it comes with apt-get install postgresql)');
  }
}

/** Runs a server binary, as the postgres user when we are root. */
async function pgBin(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const user = osUser();
  const { stdout } = await run(join(binDir(), bin), args, {
    env: { ...process.env, ...env, LC_ALL: 'C' },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
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
  binDir(); // fail early with the install hint
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

  const [primaryPort, replicaPort, scratchPort] = [await freePort(), await freePort(), await freePort()];
  const copy = (name: string) => {
    const dir = join(base, name);
    cpSync(template, dir, { recursive: true });
    if (osUser()) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    return dir;
  };
  const primary = cluster('primary', copy('primary'), primaryPort, socketDir);
  const scratch = cluster('scratch', copy('scratch'), scratchPort, socketDir);
  await Promise.all([primary.start(), scratch.start()]);

  const url = (c: Cluster, database: string, user = 'postgres', password = superPassword) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${c.port}/${database}`;

  await seed(url(primary, 'postgres'));

  // A streaming replica of the primary.
  const replicaDir = join(base, 'replica');
  await pgBin('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast'], { PGPASSWORD: superPassword });
  writeFileSync(join(replicaDir, 'postgresql.auto.conf'), `${readFileSync(join(replicaDir, 'postgresql.auto.conf'), 'utf8')}\narchive_mode = off\n`);
  const replica = cluster('replica', replicaDir, replicaPort, socketDir);
  await replica.start();

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
