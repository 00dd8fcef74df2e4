// A local S3-compatible server (s3rver) for the backups kind: real
// ListObjectsV2 with start-after and continuation tokens, HEAD metadata, and
// an access-key check (credentials S3RVER / S3RVER). s3rver 3.7 does not
// verify SigV4 signatures themselves; signing is aws4fetch's. Buckets:
//   backups   empty; tests put their own objects (keys carry the dates they need)
//   archive   2,000 hourly backups over ~83 days (bounded listing, start-after)
//   videos    a few objects (LegacyVideo's media bucket, R32)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsClient } from 'aws4fetch';
import { freePort } from './postgres';

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';
export const ARCHIVE_OBJECTS = 2000;
/** The newest archive backup: its hourly series ends here. */
export const ARCHIVE_END = Date.UTC(2026, 10, 22, 9, 0, 0);

function stamp(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

export async function startS3(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'vigil-s3-'));
  const port = await freePort();
  const script = fileURLToPath(new URL('./s3-process.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, String(port), directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before it started`)));
  });
  const aws = new AwsClient({ accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY, service: 's3', region: 'us-east-1' });
  const put = async (bucket: string, key: string, body: string) => {
    const response = await aws.fetch(`${endpoint}/${bucket}/${key}`, { method: 'PUT', body });
    if (!response.ok) throw new Error(`PUT ${bucket}/${key}: ${response.status} ${await response.text()}`);
  };
  // Hourly backups ending at ARCHIVE_END, about 1 KB each.
  const keys = Array.from({ length: ARCHIVE_OBJECTS }, (_, i) => `db/backup-${stamp(ARCHIVE_END - (ARCHIVE_OBJECTS - 1 - i) * 3_600_000)}.sql.gz`);
  for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => put('archive', key, 'x'.repeat(1000 + (key.length % 7)))));
  for (const name of ['intro.mp4', 'lesson-1.mp4']) await put('videos', `media/${name}`, 'video');
  return {
    endpoint,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
