/**
 * The baseline for the append benchmark: an express app with the same JSON body parser and a handler that
 * does no work (answers 201 with a small JSON body). Run as its own process; prints `listening <port>`.
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/api/v1/entries', express.json({ limit: 64 * 1024 }), (req, res) => {
  res.status(201).json({ index: 0, ok: typeof req.body === 'object' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
