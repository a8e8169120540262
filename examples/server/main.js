// Starts the example inference server: `npm run serve:example`, or
//   node examples/server/main.js [--port 8080] [--host 127.0.0.1] [--workers 1] [--memory-mb 64]
// (PORT, HOST, WORKERS and MEMORY_MB in the environment work too). Port 0 picks a free one. Prints
// `listening on <url>`; on SIGINT or SIGTERM it finishes the requests in flight, prints the final
// metrics (event-loop delay included) as one JSON line and exits 0.
import { parseArgs } from 'node:util';
import { createInferenceServer } from './app.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    workers: { type: 'string', default: process.env.WORKERS ?? '1' },
    'memory-mb': { type: 'string', default: process.env.MEMORY_MB ?? '64' },
  },
});
const int = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected an integer >= ${min}, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};

const app = createInferenceServer({ workers: int('workers', 1), memoryCap: int('memory-mb', 1) * 2 ** 20 });
const url = await app.listen(int('port', 0), values.host).catch((err) => {
  console.error(`cannot start: ${err.message}`);
  process.exit(1);
});
console.log(`listening on ${url}`);

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, async () => {
    // A second signal does not wait any longer.
    if (++signals > 1) process.exit(1);
    console.log(`${signal}: finishing ${app.metrics().requests.inFlight} request(s) in flight`);
    const final = await app.shutdown();
    console.log(JSON.stringify({ final }));
  });
