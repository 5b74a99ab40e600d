import type { Clock, TimerId } from '../clock.js';

/**
 * Connections made ahead of need, so the join path does less.
 *
 * Measured on a 2-core machine (README, Benchmarks), a member answering a
 * newcomer's `hello` spent most of its share of the join creating an
 * RTCPeerConnection and its offer while the page was busy; the newcomer spent
 * tens of milliseconds creating the connection the offer lands on. So:
 * - a member keeps one *offer* ready (tracks added, local offer set, ICE
 *   gathering under way) and hands it to the next member who says hello;
 * - a newcomer creates the connection it will answer on while its keys are
 *   being derived.
 * Each is used once; an unused one is closed when the meeting ends.
 */

const CONTROL_CHANNEL = { negotiated: true, id: 0, ordered: true } as const;

/** A prepared offer older than this is not used: its network view may be stale. */
const MAX_OFFER_AGE_MS = 120_000;

export interface Prepared {
  readonly pc: RTCPeerConnection;
  /** The negotiated control data channel (id 0), created with the connection. */
  readonly channel: RTCDataChannel;
  /** True when local tracks are added and the local offer is set. */
  readonly offered: boolean;
  readonly createdAt: number;
}

/** A connection and its control channel, nothing negotiated yet. */
export function prepareConnection(rtc: RTCConfiguration, now = Date.now(), made?: (pc: RTCPeerConnection) => void): Prepared {
  const pc = new RTCPeerConnection(rtc);
  made?.(pc);
  return { pc, channel: pc.createDataChannel('control', CONTROL_CHANNEL), offered: false, createdAt: now };
}

/**
 * Adds our tracks the way the side that offers does: a sender for each of
 * our tracks, and a receive-only transceiver for a kind we have none of, so
 * we still receive theirs.
 */
export function addOfferTracks(pc: RTCPeerConnection, stream: MediaStream | null): void {
  const tracks = stream?.getTracks() ?? [];
  for (const track of tracks) pc.addTrack(track, stream as MediaStream);
  for (const kind of ['audio', 'video'] as const) {
    if (!tracks.some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
  }
}

/** A connection with our tracks and a local offer set, ready to be sent to whoever says hello next. */
export async function prepareOffer(
  rtc: RTCConfiguration,
  stream: MediaStream | null,
  now = Date.now(),
  made?: (pc: RTCPeerConnection) => void,
): Promise<Prepared> {
  const prepared = prepareConnection(rtc, now, made);
  try {
    addOfferTracks(prepared.pc, stream);
    await prepared.pc.setLocalDescription();
  } catch (error) {
    prepared.pc.close();
    throw error;
  }
  return { ...prepared, offered: true };
}

/** Whether a prepared offer can still be used; a stale or closed one is not. */
export function usable(prepared: Prepared, now: number): boolean {
  return now - prepared.createdAt < MAX_OFFER_AGE_MS &&
    prepared.pc.signalingState === (prepared.offered ? 'have-local-offer' : 'stable') &&
    prepared.pc.connectionState === 'new';
}

/**
 * One DTLS certificate for all of a session's connections, made while the
 * camera opens, instead of one per connection on the join path.
 */
export async function generateCertificate(): Promise<RTCCertificate | undefined> {
  try {
    return await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);
  } catch {
    return undefined; // each connection makes its own, as by default
  }
}

/** How long after a join (ours or another's) the next prepared connections are made. */
const REPLENISH_DELAY_MS = 2000;

export interface PoolInit {
  clock: Clock;
  /** ICE servers and the meeting's DTLS certificate, as they are now. */
  rtc(): RTCConfiguration;
  localStream(): MediaStream | null;
  /** Whether the meeting is joined (preparing waits for that) or has ended. */
  joined(): boolean;
  /** Each connection, as it is made. */
  made?(pc: RTCPeerConnection): void;
}

/**
 * Keeps one prepared offer and one prepared answering connection, and makes
 * the missing ones a little after each is used, off the path of whatever is
 * joining now.
 */
export class PreparedPool {
  readonly #init: PoolInit;
  #offer: Prepared | null = null;
  #answer: Prepared | null = null;
  #preparing = false;
  #closed = false;
  #timer: TimerId | undefined;

  constructor(init: PoolInit) {
    this.#init = init;
  }

  readonly #made = (pc: RTCPeerConnection): void => this.#init.made?.(pc);

  /** The connection the first member's offer will land on, made while our keys are derived. */
  prepareAnswer(): void {
    this.#answer ??= this.#try(() => prepareConnection(this.#init.rtc(), this.#init.clock.now(), this.#made));
  }

  /** A prepared connection of that kind if one is ready and still fresh; another is made soon after. */
  take(kind: 'offer' | 'answer'): Prepared | undefined {
    const prepared = kind === 'offer' ? this.#offer : this.#answer;
    if (kind === 'offer') this.#offer = null;
    else this.#answer = null;
    this.replenishSoon();
    if (prepared === null) return undefined;
    if (usable(prepared, this.#init.clock.now())) return prepared;
    prepared.pc.close();
    return undefined;
  }

  /** A prepared offer without a new track would leave the next member without it. */
  discardOffer(): void {
    this.#offer?.pc.close();
    this.#offer = null;
    this.replenishSoon();
  }

  replenishSoon(): void {
    if (this.#closed) return;
    this.#init.clock.clearTimeout(this.#timer);
    this.#timer = this.#init.clock.setTimeout(() => void this.#replenish(), REPLENISH_DELAY_MS);
  }

  close(): void {
    this.#closed = true;
    this.#init.clock.clearTimeout(this.#timer);
    this.#offer?.pc.close();
    this.#answer?.pc.close();
    this.#offer = this.#answer = null;
  }

  async #replenish(): Promise<void> {
    if (!this.#init.joined() || this.#preparing || this.#closed) return;
    this.#preparing = true;
    try {
      this.prepareAnswer();
      if (this.#offer === null) {
        const offer = await prepareOffer(this.#init.rtc(), this.#init.localStream(), this.#init.clock.now(), this.#made).catch(() => null);
        if (this.#closed || this.#offer !== null) offer?.pc.close();
        else this.#offer = offer;
      }
    } finally {
      this.#preparing = false;
    }
  }

  /** Preparing is an optimisation: where it fails (a closed page, no WebRTC), peers make their own. */
  #try(make: () => Prepared): Prepared | null {
    try {
      return make();
    } catch {
      return null;
    }
  }
}
