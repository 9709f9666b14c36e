'use strict';
// The cheapest useful express service: JSON in, JSON out. Its throughput is the ceiling for any
// service that parses a JSON body and answers one, on this machine.
const express = require('express');

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/echo', (req, res) => res.json(req.body));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
