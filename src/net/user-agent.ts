/** What Vigil's checks send as User-Agent (a probe placed in a region says which). */
export function userAgent(region?: string): string {
  return `Vigil/0.1 (scheduled checks${region ? `; region ${region}` : ''})`;
}
