// The Worker's main module, for `exports` from cloudflare:workers in tests.
export {};

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index');
    }
  }
}
