// Rendering once per 30 s per URL and data centre: public pages and JSON are
// kept in the Cache API (caches.default), so repeated views neither read KV
// nor render again, and browsers keep them as long (Cache-Control). The key
// carries the 30 s slot, so an entry never outlives it; an admin change
// purges the slot's entries here at once (other data centres within 30 s,
// and KV itself takes up to 60 s to propagate a publish).

/** How long a rendered page or JSON answer is reused. */
export const PAGE_CACHE_SECONDS = 30;
const SLOT_MS = PAGE_CACHE_SECONDS * 1000;
/** Bump when what a cached response contains changes shape (a deploy then starts afresh). */
const CACHE_VERSION = '2';

/** The cache key of a URL in a slot (a URL of its own: the Cache API keys on URLs). */
function cacheKey(url: URL, slot: number): Request {
  const key = new URL(url.toString());
  key.searchParams.set('__vigil', `${CACHE_VERSION}.${slot}`);
  return new Request(key.toString(), { method: 'GET' });
}

function cacheStore(): Cache | undefined {
  return typeof caches === 'undefined' ? undefined : (caches as unknown as { default: Cache }).default;
}

/**
 * The cached answer for this URL in the current slot, or `render()`'s (then
 * cached). Only 200 answers are kept. `x-vigil-cache` says which it was.
 */
export async function cachedResponse(requestUrl: string, now: number, render: () => Promise<Response>): Promise<Response> {
  const cache = cacheStore();
  const url = new URL(requestUrl);
  const slot = Math.floor(now / SLOT_MS);
  const key = cacheKey(url, slot);
  // Browsers may keep it until the slot ends.
  const left = Math.max(1, Math.ceil(((slot + 1) * SLOT_MS - now) / 1000));
  const hit = await cache?.match(key);
  if (hit) {
    const response = new Response(hit.body, hit);
    response.headers.set('cache-control', `public, max-age=${left}`);
    response.headers.set('x-vigil-cache', 'hit');
    return response;
  }
  const fresh = await render();
  fresh.headers.set('cache-control', `public, max-age=${left}`);
  fresh.headers.set('x-vigil-cache', 'miss');
  if (cache && fresh.status === 200) await cache.put(key, fresh.clone());
  return fresh;
}

/** Drops the current and previous slots' entries for these paths (after an admin change). */
export async function purgeCached(origin: string, paths: string[], now: number): Promise<void> {
  const cache = cacheStore();
  if (!cache) return;
  const slot = Math.floor(now / SLOT_MS);
  await Promise.all(paths.flatMap((path) => [slot, slot - 1].map((s) => cache.delete(cacheKey(new URL(path, origin), s)))));
}
