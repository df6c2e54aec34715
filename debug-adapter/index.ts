// The adapter as a library: the session class (the extension runs it inline through
// vscode.DebugAdapterInlineImplementation), and starters for stdio and TCP.
import * as net from 'net';
import { RingsideSession } from './session';

export { RingsideSession } from './session';
export { validateLaunchConfig, ConfigError, LaunchConfig, LAUNCH_FIELDS } from './launch-config';

/** A session to hand to vscode.DebugAdapterInlineImplementation: it speaks DAP through handleMessage and
 *  onDidSendMessage, without streams. */
export function createInlineSession(): RingsideSession {
  return new RingsideSession();
}

/** DAP over this process's stdin/stdout; the process exits after disconnect. */
export function startStdio(): RingsideSession {
  const session = new RingsideSession();
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
  return session;
}

/** DAP over TCP on 127.0.0.1 (never other interfaces): a fresh session per connection. */
export function startServer(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer((socket) => {
    const session = new RingsideSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(server); });
  });
}
