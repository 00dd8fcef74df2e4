// Vite's import.meta.glob for the tests. The Worker's main module for `exports`
// from cloudflare:workers (Cloudflare.GlobalProps) is in worker-configuration.d.ts.
/// <reference types="vite/client" />
export {};
