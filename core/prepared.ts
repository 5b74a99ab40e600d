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
export function prepareConnection(rtc: RTCConfiguration): Prepared {
  const pc = new RTCPeerConnection(rtc);
  return { pc, channel: pc.createDataChannel('control', CONTROL_CHANNEL), offered: false, createdAt: Date.now() };
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
export async function prepareOffer(rtc: RTCConfiguration, stream: MediaStream | null): Promise<Prepared> {
  const prepared = prepareConnection(rtc);
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
export function usable(prepared: Prepared, now = Date.now()): boolean {
  return now - prepared.createdAt < MAX_OFFER_AGE_MS &&
    prepared.pc.signalingState === (prepared.offered ? 'have-local-offer' : 'stable') &&
    prepared.pc.connectionState === 'new';
}
