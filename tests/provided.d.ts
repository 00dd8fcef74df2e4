// What tests/support/global-setup.ts provides to tests through inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    targetUrl: string;
    refusedUrl: string;
    sinkUrl: string;
  }
}
