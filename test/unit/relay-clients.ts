/**
 * Clients for the relay tests that misbehave as no library client would: a
 * Socket.IO member speaking Engine.IO v4 by hand (so the test decides what it
 * reads and which pongs it sends), a socket that stops reading, a handshake
 * that never answers; and plain ones (dial, join, nextMessage). Not a test file: the relay-*.test.ts files import it.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket as NetSocket } from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';

/** A topic shaped like core's blinded ones. */
export const hexTopic = (): string => randomBytes(16).toString('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops reading: what the peer sends piles up in its buffers, then in the sender's. */
export function stopReading(ws: WebSocket): void {
  (ws as unknown as { _socket: NetSocket })._socket.pause();
}

/** How a `ws` handshake ended: 'open', or the HTTP status of a refused upgrade. */
export function handshake(url: string, options?: ClientOptions): Promise<{ ws: WebSocket; outcome: 'open' | number }> {
  const ws = new WebSocket(url, options);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws, outcome: 'open' }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws, outcome: res.statusCode ?? 0 });
      res.resume();
    });
  });
}

/** Sockets dial() opened, for a test file's after() to terminate. */
export const dialled: WebSocket[] = [];

/** Opens a socket; `closed` is listened for from the start, so an immediate refusal is not missed. */
export interface Closed {
  code: number;
  reason: string;
}

export function dial(address: string, options?: ClientOptions): { ws: WebSocket; opened: Promise<void>; closed: Promise<Closed> } {
  const ws = new WebSocket(address, options);
  dialled.push(ws);
  const closed = new Promise<Closed>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const opened = once(ws, 'open').then(() => undefined);
  return { ws, opened, closed };
}

export async function join(address: string, options?: ClientOptions): Promise<WebSocket> {
  const { ws, opened } = dial(address, options);
  await opened;
  return ws;
}

export function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => {
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary }));
  });
}

/**
 * An upgrade request on a bare TCP socket that then never reads: the relay
 * holds it until it gives up on its closing handshake.
 */
export async function silentUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<NetSocket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  socket.pause();
  return socket;
}

export interface RawMember {
  readonly ws: WebSocket;
  /** The Engine.IO session id, which is the engine.io Socket's `id` on the server. */
  readonly sid: string;
  /** Null once in the namespace, or the refusal the relay sent. */
  readonly refusal: { message: string; data?: unknown } | null;
  readonly closed: Promise<void>;
}

/**
 * A member of the Socket.IO relay over Engine.IO v4's websocket transport,
 * written out by hand: `0{sid…}` opens, `40<nsp>,<auth>` joins the namespace,
 * `2` is a ping and `3` a pong. It answers pings only when `answerPings`.
 */
export async function rawSocketIoMember(
  port: number,
  topic: string,
  options: { answerPings?: boolean; headers?: Record<string, string>; namespace?: string } = {},
): Promise<RawMember> {
  const namespace = options.namespace ?? '/secure-meeting';
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: options.headers ?? {} });
  ws.on('error', () => {});
  const closed = once(ws, 'close').then(() => undefined);
  let sid = '';
  const joined = new Promise<RawMember['refusal']>((resolve, reject) => {
    ws.on('message', (data) => {
      const text = String(data);
      if (text === '2' && options.answerPings === true) ws.send('3');
      if (text.startsWith('0{')) {
        sid = (JSON.parse(text.slice(1)) as { sid: string }).sid;
        ws.send(`40${namespace},${JSON.stringify({ topic })}`);
      }
      if (text.startsWith(`40${namespace},`)) resolve(null);
      if (text.startsWith(`44${namespace},`)) resolve(JSON.parse(text.slice(namespace.length + 3)) as RawMember['refusal']);
    });
    ws.once('close', () => reject(new Error('closed before joining')));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused with HTTP ${res.statusCode}`)));
  });
  const refusal = await joined;
  return { ws, sid, refusal, closed };
}
