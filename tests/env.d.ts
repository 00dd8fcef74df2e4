// The Worker's main module, for `exports` from cloudflare:workers in tests; Vite's import.meta.glob.
/// <reference types="vite/client" />
export {};

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index');
    }
  }
}
