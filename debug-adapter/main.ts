// Entry point of the debug adapter process: DAP over stdio, or with --server=PORT over TCP on 127.0.0.1
// (one session per connection; --server=0 picks a free port and prints it), for debugging the adapter itself.
import { startServer, startStdio } from './index';

function main(argv: readonly string[]): void {
  const server = argv.find((a) => a.startsWith('--server'));
  if (server === undefined) {
    startStdio();
    return;
  }
  const m = /^--server=(\d{1,5})$/.exec(server);
  const port = m ? Number(m[1]) : NaN;
  if (!m || port > 65535) {
    process.stderr.write(`ringside-debug: ${server}: expected --server=PORT with PORT 0..65535\n`);
    process.exit(2);
  }
  startServer(port).then((s) => {
    const addr = s.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    process.stderr.write(`ringside debug adapter listening on 127.0.0.1:${actual}\n`);
  }, (e: Error) => {
    process.stderr.write(`ringside-debug: cannot listen on 127.0.0.1:${port}: ${e.message}\n`);
    process.exit(1);
  });
}

main(process.argv.slice(2));
