// URL helpers shared by the kinds that fetch: what is a usable target, and how
// to name one in a message without the credentials it may carry.

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The URL without user info and query string, which may hold tokens. */
export function withoutQuery(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
