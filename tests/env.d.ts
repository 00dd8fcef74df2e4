// Types for tests: what global-setup provides through inject(), and the
// Worker's main module for `exports` from cloudflare:workers.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    targetUrl: string;
    refusedUrl: string;
    sinkUrl: string;
  }
}

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../src/index');
    }
  }
}
