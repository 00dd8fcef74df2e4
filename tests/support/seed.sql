-- The test data set, shaped like the runbook applications' tables
-- (../shared/runbooks): Musicr songs/users/messages, Prisma migrations,
-- YouTube Optimizer error_logs and security_events, EarnTrack earnings.

CREATE EXTENSION pg_stat_statements;

-- Musicr: 200 songs, 180 with an embedding (90% coverage). The test machine has
-- no pgvector, so the embedding is a real[]; the coverage query is the same.
CREATE TABLE songs (
  id serial PRIMARY KEY,
  title text NOT NULL,
  artist text NOT NULL,
  embedding_vector real[]
);
INSERT INTO songs (title, artist, embedding_vector)
SELECT 'Song ' || g, 'Artist ' || (g % 17), CASE WHEN g <= 180 THEN ARRAY[random(), random(), random()]::real[] END
FROM generate_series(1, 200) g;
CREATE INDEX idx_songs_artist ON songs (artist);
CREATE INDEX idx_songs_title_unused ON songs (title);

CREATE TABLE users (
  id serial PRIMARY KEY,
  email text UNIQUE NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 50) g;

CREATE TABLE messages (
  id bigserial PRIMARY KEY,
  user_id int REFERENCES users (id),
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO messages (user_id, body) SELECT 1 + g % 50, 'hello ' || g FROM generate_series(1, 500) g;

-- Prisma's migrations table: three applied, one failed (started, never finished, not rolled back).
CREATE TABLE _prisma_migrations (
  id varchar(36) PRIMARY KEY,
  checksum varchar(64) NOT NULL,
  finished_at timestamptz,
  migration_name varchar(255) NOT NULL,
  logs text,
  rolled_back_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  applied_steps_count int NOT NULL DEFAULT 0
);
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES
  ('m1', 'c1', now() - interval '30 days', '20260101000000_init', NULL, NULL, now() - interval '30 days', 1),
  ('m2', 'c2', now() - interval '20 days', '20260110000000_add_messages', NULL, NULL, now() - interval '20 days', 1),
  ('m3', 'c3', now() - interval '10 days', '20260120000000_add_embeddings', NULL, NULL, now() - interval '10 days', 1),
  ('m4', 'c4', NULL, '20260201000000_add_song_index', 'Database error: relation "songs_x" does not exist', NULL, now() - interval '1 day', 0);

-- The same tables, healthy, in another schema (search_path=healthy reads them
-- with the runbooks' unqualified queries).
CREATE SCHEMA healthy;
-- Musicr above its coverage target: 196 of 200 songs embedded (98%).
-- (no indexes copied: the index recipe's tests count public.songs' by name)
CREATE TABLE healthy.songs (id serial PRIMARY KEY, title text NOT NULL, artist text NOT NULL, embedding_vector real[]);
INSERT INTO healthy.songs (title, artist, embedding_vector)
SELECT 'Song ' || g, 'Artist ' || (g % 17), CASE WHEN g <= 196 THEN ARRAY[random(), random(), random()]::real[] END
FROM generate_series(1, 200) g;
CREATE TABLE healthy._prisma_migrations (LIKE public._prisma_migrations INCLUDING ALL);
INSERT INTO healthy._prisma_migrations SELECT * FROM public._prisma_migrations WHERE finished_at IS NOT NULL;

-- YouTube Optimizer: error logs and security events in the last hour.
CREATE TABLE error_logs (
  id bigserial PRIMARY KEY,
  level text NOT NULL DEFAULT 'error',
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO error_logs (message, created_at) SELECT 'OpenAI timeout ' || g, now() - (g || ' minutes')::interval FROM generate_series(1, 12) g;
INSERT INTO error_logs (message, created_at) SELECT 'old error ' || g, now() - interval '3 hours' FROM generate_series(1, 40) g;

CREATE TABLE security_events (
  id bigserial PRIMARY KEY,
  event_type text NOT NULL,
  ip_address inet NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO security_events (event_type, ip_address, created_at)
SELECT 'failed_login', '10.0.0.5', now() - (g || ' minutes')::interval FROM generate_series(1, 15) g;
INSERT INTO security_events (event_type, ip_address, created_at)
SELECT 'failed_login', '10.0.0.6', now() - (g || ' minutes')::interval FROM generate_series(1, 3) g;

-- EarnTrack: the largest table.
CREATE TABLE earnings (
  id bigserial PRIMARY KEY,
  user_id int NOT NULL,
  date date NOT NULL,
  amount numeric(12, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO earnings (user_id, date, amount) SELECT 1 + g % 50, current_date - (g % 365), (g % 1000) / 10.0 FROM generate_series(1, 20000) g;
CREATE INDEX idx_earnings_user_date ON earnings (user_id, date DESC);

-- Backups bookkeeping some apps keep (newest row must be recent).
CREATE TABLE backups (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  size_bytes bigint NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO backups (kind, size_bytes, created_at) VALUES
  ('pg_dump', 52428800, now() - interval '26 hours'),
  ('pg_dump', 53477376, now() - interval '2 hours');

ANALYZE;
-- Statements for pg_stat_statements: one slow, many fast.
SELECT pg_sleep(0.25);
SELECT count(*) FROM songs WHERE artist = 'Artist 3';
SELECT idx_scan FROM pg_stat_user_indexes LIMIT 1;
