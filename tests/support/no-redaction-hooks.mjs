// Module resolution hook for no-redaction.mjs.
const SHIM = new URL('./no-redaction-secrets.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (context.parentURL !== SHIM && resolved.url.split('?')[0].endsWith('/src/config/secrets.ts')) return { ...resolved, url: SHIM, shortCircuit: true };
  return resolved;
}
