/**
 * Several instances of the WebSocket relay acting as one, behind a load
 * balancer, on an engine an organisation already runs: Redis. A frame from a
 * member goes to the topic's members on this instance directly and to those
 * on the others through Redis pub/sub (one channel per topic, subscribed
 * while this instance has a member there). maxMembersPerTopic is counted
 * across the cluster in one sorted set per topic: a seat is taken by a Lua
 * script (atomic on the Redis server), kept alive by its instance and given
 * back on leave; the seats of an instance that died expire after `seatTtlMs`.
 *
 * Node only. The library takes the clients you made (the `redis` package,
 * v4 or v5, as `@socket.io/redis-adapter` does), so it carries no Redis
 * dependency of its own.
 */
import { randomBytes } from 'node:crypto';
import { invalidOption } from '../../core/errors.js';
import { checkObject, count } from '../server-common.js';

/** What the relay needs from the other instances. server.ts takes any implementation; redisCluster() is ours. */
export interface RelayCluster {
  /**
   * Takes a seat in `topic` for one member, unless the topic holds `max`
   * members across the cluster already (then: null), and hands the topic's
   * frames from the other instances to `deliver` until the seat is left.
   * Rejects when the cluster cannot be asked.
   */
  join(topic: string, max: number, deliver: (data: Buffer, isBinary: boolean) => void): Promise<ClusterSeat | null>;
  /** Calls that failed (a publish, a refresh, a leave) since the start, for the relay's stats. */
  readonly failures: number;
  /** Gives back this instance's seats and stops listening. The clients stay open: they are yours. */
  close(): Promise<void>;
}

export interface ClusterSeat {
  /** Sends a frame to the topic's members on the other instances. */
  publish(data: Buffer, isBinary: boolean): void;
  /** Gives the seat back and stops delivering to it. Idempotent. */
  leave(): void;
}

type Argument = string | Buffer;

/** The part of a node-redis client (`createClient()`) used for commands. */
export interface RedisCommandClient {
  sendCommand(args: Argument[]): Promise<unknown>;
}

/** The part of a node-redis client used for pub/sub: a `duplicate()` of the command client, connected. */
export interface RedisSubscriberClient {
  subscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<unknown>;
}

export interface RedisClusterOptions {
  /** Connected node-redis client for commands (seats, PUBLISH). */
  publisher: RedisCommandClient;
  /** Connected node-redis client in subscriber mode, e.g. `publisher.duplicate()`. */
  subscriber: RedisSubscriberClient;
  /** Prefix of every key and channel, to share a Redis with other apps. Default `secure-meeting:`. */
  prefix?: string;
  /** How long the seats of an instance that stopped refreshing them still count. Default 30 000 (refreshed every third of it). */
  seatTtlMs?: number;
}

// Redis's own clock (TIME), so instances whose clocks differ agree on expiry.
const NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";
/** KEYS[1] the topic's seats; ARGV: ttl, max, seat. 1 when taken. */
const TAKE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;
/** KEYS[1] the topic's seats; ARGV: ttl, then the seats to keep. */
const REFRESH = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** 8 bytes of instance id, then 1 byte: 1 binary, 0 text; then the frame. */
const HEADER = 9;

interface Local {
  readonly seat: string;
  readonly deliver: (data: Buffer, isBinary: boolean) => void;
}

interface Topic {
  readonly members: Set<Local>;
  readonly listener: (message: Buffer) => void;
  /** Resolves once the channel is subscribed. */
  readonly subscribed: Promise<unknown>;
}

const FN = 'redisCluster';

export function redisCluster(options: RedisClusterOptions): RelayCluster {
  checkObject(FN, options);
  const { publisher, subscriber } = options;
  if (typeof publisher?.sendCommand !== 'function') throw invalidOption(`${FN}: publisher must be a connected node-redis client`);
  if (typeof subscriber?.subscribe !== 'function' || typeof subscriber.unsubscribe !== 'function') {
    throw invalidOption(`${FN}: subscriber must be a connected node-redis client, e.g. publisher.duplicate()`);
  }
  const prefix = options.prefix ?? 'secure-meeting:';
  if (typeof prefix !== 'string') throw invalidOption(`${FN}: prefix must be a string`);
  const ttl = count(FN, 'seatTtlMs', options.seatTtlMs, 30_000, 300);
  const id = randomBytes(8);
  const seatsKey = (topic: string): string => `${prefix}seats:${topic}`;
  const channel = (topic: string): string => `${prefix}frames:${topic}`;
  const topics = new Map<string, Topic>();
  let failures = 0;
  let sequence = 0;
  const failed = (): void => {
    failures += 1;
  };

  function listen(topic: string): Topic {
    const existing = topics.get(topic);
    if (existing !== undefined) return existing;
    const members = new Set<Local>();
    const listener = (message: Buffer): void => {
      if (message.length < HEADER || message.subarray(0, 8).equals(id)) return;
      const isBinary = message[8] === 1;
      const data = message.subarray(HEADER);
      for (const member of members) member.deliver(data, isBinary);
    };
    const entry: Topic = { members, listener, subscribed: subscriber.subscribe(channel(topic), listener, true) };
    topics.set(topic, entry);
    return entry;
  }

  function unlisten(topic: string, entry: Topic): void {
    if (entry.members.size > 0 || topics.get(topic) !== entry) return;
    topics.delete(topic);
    subscriber.unsubscribe(channel(topic), entry.listener, true).catch(failed);
  }

  // Keeps this instance's seats from expiring; one script per topic.
  const refresh = setInterval(() => {
    for (const [topic, entry] of topics) {
      if (entry.members.size === 0) continue;
      const seats = [...entry.members].map((m) => m.seat);
      publisher.sendCommand(['EVAL', REFRESH, '1', seatsKey(topic), String(ttl), ...seats]).catch(failed);
    }
  }, Math.floor(ttl / 3));
  refresh.unref();

  return {
    get failures() {
      return failures;
    },
    async join(topic, max, deliver) {
      const seat = `${id.toString('hex')}:${++sequence}`;
      const taken = await publisher.sendCommand(['EVAL', TAKE, '1', seatsKey(topic), String(ttl), String(max), seat]);
      if (Number(taken) !== 1) return null;
      const local: Local = { seat, deliver };
      const entry = listen(topic);
      entry.members.add(local);
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        entry.members.delete(local);
        unlisten(topic, entry);
        publisher.sendCommand(['ZREM', seatsKey(topic), seat]).catch(failed);
      };
      try {
        // Subscribed before the member can send: no answer to its first frame is missed.
        await entry.subscribed;
      } catch (error) {
        leave();
        throw error;
      }
      return {
        publish(data, isBinary) {
          if (left) return;
          const header = Buffer.allocUnsafe(HEADER);
          id.copy(header);
          header[8] = isBinary ? 1 : 0;
          publisher.sendCommand(['PUBLISH', channel(topic), Buffer.concat([header, data])]).catch(failed);
        },
        leave,
      };
    },
    async close() {
      clearInterval(refresh);
      const pending: Array<Promise<unknown>> = [];
      for (const [topic, entry] of topics) {
        const seats = [...entry.members].map((m) => m.seat);
        entry.members.clear();
        if (seats.length > 0) pending.push(publisher.sendCommand(['ZREM', seatsKey(topic), ...seats]));
        pending.push(subscriber.unsubscribe(channel(topic), entry.listener, true));
      }
      topics.clear();
      await Promise.allSettled(pending);
    },
  };
}
