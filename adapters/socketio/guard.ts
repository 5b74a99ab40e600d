/**
 * What engine.io does not do for a relay, done per connection from outside
 * (engine.io 6, lib/socket.ts): cap the bytes waiting for a member that does
 * not read, and stop pongs nobody asked for from keeping a connection alive.
 * Node only, like server.ts.
 */
import type { Socket as NetSocket } from 'node:net';
import type { Socket as EngineSocket } from 'engine.io';
import type { RelayStats } from '../server-common.js';

interface Packet {
  type: string;
  data?: unknown;
}

/** The parts of an engine.io Socket used here, some of them internal (named after lib/socket.ts). */
interface Conn {
  readonly transport: {
    readonly name: string;
    /** The websocket transport's `ws` socket. */
    readonly socket?: { readonly bufferedAmount: number; terminate(): void };
    /** The polling transport's pending poll response, set while it is writable. */
    readonly res?: { readonly socket: NetSocket | null } | null;
  };
  /** Non-null exactly while a ping waits for its pong (schedulePing, resetPingTimeout). */
  readonly pingTimeoutTimer: unknown;
  on(event: 'packetCreate' | 'packet', listener: (packet: Packet) => void): unknown;
  on(event: 'flush', listener: (packets: Packet[]) => void): unknown;
  once(event: 'close', listener: (reason: string) => void): unknown;
  close(discard?: boolean): unknown;
}

type Counters = Pick<RelayStats, 'dropped' | 'ignoredPongs'>;

const sizeOf = (packet: Packet): number => {
  const { data } = packet;
  // + 1: the packet type in front (Engine.IO protocol v4).
  if (typeof data === 'string') return Buffer.byteLength(data) + 1;
  return (Buffer.isBuffer(data) ? data.length : 0) + 1;
};

/**
 * What the transport adds to the packets we count, at most: a WebSocket frame
 * header (≤ 10 bytes from a server, RFC 6455 §5.2) per packet, or a poll
 * response's HTTP head. Slack for the "has the ping left?" test below.
 */
const framing = (packets: number): number => packets * 10 + 1024;

/**
 * Watches one member's connection; returns how many bytes wait to be sent to
 * it. Those bytes sit in three places: engine.io's `writeBuffer` while the
 * transport is busy (a websocket transport stays busy until `ws` has handed
 * the previous batch to the kernel; polling until the next poll arrives), the
 * `ws` socket's `bufferedAmount`, and the poll responses the client has not
 * read yet (their TCP sockets' `writableLength`).
 */
export function guard(engineSocket: EngineSocket, maxBuffered: number, stats: Counters): () => number {
  const conn = engineSocket as unknown as Conn;
  let queued = 0;
  /** Bytes and packets queued since the outstanding ping was (the ping included), while one is. */
  let sincePing: { bytes: number; packets: number } | null = null;
  const responses = new Set<NetSocket>();
  let severed = false;

  const pending = (): number => {
    let bytes = queued;
    if (conn.transport.name === 'websocket') bytes += conn.transport.socket?.bufferedAmount ?? 0;
    for (const socket of responses) {
      if (socket.destroyed) responses.delete(socket);
      else bytes += socket.writableLength;
    }
    return bytes;
  };

  /** Destroys what holds the bytes: a graceful close would wait behind them (`ws` for 30 s). */
  const cut = (): void => {
    conn.transport.socket?.terminate();
    for (const socket of responses) socket.destroy();
    responses.clear();
  };

  conn.on('packetCreate', (packet) => {
    const size = sizeOf(packet);
    queued += size;
    if (packet.type === 'ping') sincePing = { bytes: 0, packets: 0 };
    if (sincePing !== null) {
      sincePing.bytes += size;
      sincePing.packets += 1;
    }
    if (severed || pending() <= maxBuffered) return;
    severed = true;
    stats.dropped.slow += 1;
    cut();
    // Not in the middle of a broadcast that may be walking this member's room.
    process.nextTick(() => conn.close(true));
  });
  conn.on('flush', (packets) => {
    for (const packet of packets) queued = Math.max(0, queued - sizeOf(packet));
    const socket = conn.transport.res?.socket;
    if (socket) responses.add(socket);
  });
  // engine.io takes any pong as the answer to its ping and, with none
  // outstanding, postpones the next ping: a client sending pongs unasked would
  // never be pinged. Its pings carry nothing to echo (engine.io-client answers
  // each with a bare pong), so a pong counts here only while a ping is
  // outstanding, once, and only if that ping has left our buffers: while more
  // bytes wait than were queued since the ping, the client cannot have read
  // it. A client that does not read thus misses its heartbeat whenever
  // anything is sent to it. The 'packet' event comes before engine.io handles
  // the packet, so a pong that answers nothing is made a no-op.
  conn.on('packet', (packet) => {
    if (packet.type !== 'pong') return;
    if (conn.pingTimeoutTimer !== null && sincePing !== null && pending() <= sincePing.bytes + framing(sincePing.packets)) {
      sincePing = null;
      return;
    }
    packet.type = 'noop';
    stats.ignoredPongs += 1;
  });
  conn.once('close', (reason) => {
    if (reason === 'ping timeout') {
      stats.dropped.heartbeat += 1;
      cut();
    }
    queued = 0;
    responses.clear();
  });
  return pending;
}
