// What tests/support/global-setup.ts provides to tests through inject().
import 'vitest';
import type { SeededQueue } from './support/queues';

declare module 'vitest' {
  export interface ProvidedContext {
    targetUrl: string;
    refusedUrl: string;
    /** host:port that accepts TCP connections and never answers. */
    silentTcp: string;
    sinkUrl: string;
    /** tests/support/faults.ts: a TLS server nobody trusts, a server that resets connections. */
    faults: { untrustedTlsUrl: string; resetUrl: string };
    /** Connection strings (password auth) and the Neon local-development endpoints. */
    pg: {
      primary: string;
      reader: string;
      plain: string;
      replica: string;
      scratch: string;
      wsProxy: string;
      httpEndpoint: string;
      markerPassword: string;
    };
    redis: { restUrl: string; scratchRestUrl: string; token: string; queues: SeededQueue[] };
    controlUrl: string;
    /** Servers for the network kinds (tests/support/net.ts), and host:port of the real PostgreSQL and Redis. */
    net: { wsUrl: string; smtp: string; untrustedTls: string; dohUrl: string; postgresTcp: string; redisTcp: string };
    /** A real Prometheus and VictoriaMetrics scraping the test exporter and node_exporter every second; a Loki stand-in (tests/support/prometheus.ts, loki.ts). */
    metricsStack: { prometheus: string; victoria: string; nodeExporter: string; loki: string };
    /** s3rver: buckets backups (empty), archive (2,000 hourly backups), videos. */
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  }
}
