// A small local service for `npm start` to watch: /health answers at once,
// /slow takes 800 ms (degraded against a 500 ms warning), /fail answers 500.
// Port: SAMPLE_TARGET_PORT, else 8789 (checks/sample-target.ts reads the same).
import http from 'node:http';

const port = Number(process.env.SAMPLE_TARGET_PORT || 8789);

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://sample').pathname;
  const json = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (path === '/health') return json(200, { status: 'ok', uptime: Math.round(process.uptime()), services: { database: 'connected' } });
  if (path === '/slow') return setTimeout(() => json(200, { status: 'ok', results: 3 }), 800);
  if (path === '/fail') return json(500, { status: 'error', message: 'payment provider unreachable' });
  return json(404, { error: 'not found' });
});

server.on('error', (error) => {
  console.error(error.code === 'EADDRINUSE' ? `sample target: port ${port} is taken; set SAMPLE_TARGET_PORT (or npm start -- --sample-port N)` : `sample target: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`sample target on http://127.0.0.1:${port} (/health, /slow, /fail)`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
