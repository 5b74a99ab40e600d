/**
 * The one-command demo: serves the demo page and the built kit, and on the
 * same origin every relay the kit speaks to, so two tabs on the printed URL
 * can meet with nothing else installed: our WebSocket relay (`/relay/`), our
 * Socket.IO relay (`/socket.io/`) and an embedded MQTT broker over WebSockets
 * (`/mqtt`, aedes: a stand-in for the organisation's own broker; the tests
 * use a real Mosquitto). `npm start` builds first, then runs this.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../adapters/websocket/server.js';
import { createSocketIoRelay, type SocketIoRelay } from '../adapters/socketio/server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** What the demo serves, and where each URL path maps on disk. */
const ROUTES: Array<[prefix: string, dir: string]> = [
  ['/dist/', join(ROOT, 'dist')],
  ['/', join(ROOT, 'demo')],
];

export interface DemoServer {
  readonly url: string;
  readonly http: Server;
  readonly relay: RelayServer;
  readonly socketio: SocketIoRelay;
  readonly broker: Aedes;
  close(): Promise<void>;
}

export interface DemoOptions {
  port?: number;
  host?: string;
  relay?: Omit<RelayServerOptions, 'server' | 'port' | 'host'>;
}

function resolvePath(urlPath: string): string | undefined {
  for (const [prefix, dir] of ROUTES) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = urlPath.slice(prefix.length) || 'index.html';
    const file = normalize(join(dir, rest));
    // Refuse anything that climbs out of the served folder.
    return file.startsWith(dir + sep) ? file : undefined;
  }
  return undefined;
}

export async function startDemoServer(options: DemoOptions = {}): Promise<DemoServer> {
  const http = createServer(async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('Bad request');
      return;
    }
    const file = resolvePath(path);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
      // The kit needs camera and microphone; nothing else.
      'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self)',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  const relay = createRelayServer({ ...options.relay, server: http, path: '/relay/' });
  const socketio = createSocketIoRelay({ server: http });
  const broker = await Aedes.createBroker();
  const mqttSockets = new WebSocketServer({ noServer: true, clientTracking: true });
  http.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mqtt') return;
    mqttSockets.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      broker.handle(stream, req);
    });
  });
  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(options.port ?? 8080, options.host ?? 'localhost', () => done());
  });
  await relay.ready;
  await socketio.ready;
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    http,
    relay,
    socketio,
    broker,
    async close() {
      await relay.close();
      await socketio.close();
      for (const ws of mqttSockets.clients) ws.terminate();
      mqttSockets.close();
      await new Promise<void>((done) => broker.close(() => done()));
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env['PORT'] ?? 8080);
  const host = process.env['HOST'] ?? 'localhost';
  startDemoServer({ port, host }).then(
    (demo) => {
      console.log(`secure-meeting demo: ${demo.url}  (open it in two tabs, join the same channel and password)`);
      const stop = () => void demo.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: Error) => {
      console.error(`secure-meeting demo: could not start on ${host}:${port}: ${error.message}`);
      process.exit(1);
    },
  );
}
