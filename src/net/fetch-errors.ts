// Turning network failures into short messages, and giving up on a promise
// when the check's signal aborts (some streams ignore the signal).

import { formatDuration } from '../config/duration';

/** `GET http://x/health timed out after 10s` / `connection failed: ...` */
export function describeFetchError(error: unknown, ctx: { signal: AbortSignal; timeoutMs: number }, target: string): string {
  if (ctx.signal.aborted) return `${target}: timed out after ${formatDuration(ctx.timeoutMs)}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${target}: connection failed: ${message}`;
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
