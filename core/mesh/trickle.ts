import type { Clock } from '../clock.js';

/**
 * Our ICE candidates ride in the description we send where they can.
 *
 * Measured on a 2-core machine (README, Benchmarks), a newcomer joining three
 * members trickled one or two candidates and an end-of-candidates after each
 * answer: six to nine sealed, signed envelopes of 500–760 bytes, every one
 * verified by its receiver and, over Mosquitto, read at 4 KB per 100 ms. Gathering on the
 * host's own interfaces ends within 3–15 ms of setting the description, so a
 * description waits for it, briefly and boundedly, carries the candidates,
 * and only those gathered later go on their own.
 */

/** How long a description waits for ICE gathering before it goes with what it has. */
export const GATHER_WAIT_MS = 100;

type Gathering = Pick<RTCPeerConnection, 'iceGatheringState' | 'addEventListener' | 'removeEventListener'>;

/** Resolves once `pc` has gathered all its candidates, or after `ms`, whichever is first. */
export function gathered(pc: Gathering, clock: Clock, ms = GATHER_WAIT_MS): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clock.clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', changed);
      resolve();
    };
    const changed = () => {
      if (pc.iceGatheringState === 'complete') finish();
    };
    pc.addEventListener('icegatheringstatechange', changed);
    const timer = clock.setTimeout(finish, ms);
  });
}

/**
 * A candidate as the description carries it: foundation, component,
 * transport, priority, address, port, and the ICE username fragment (a
 * candidate's own string carries `ufrag`, a description's lines do not, and
 * an ICE restart changes it).
 */
function candidateKey(line: string, ufrag: string): string {
  const fields = line.replace(/^a=/, '').trim().split(/\s+/);
  const own = fields.indexOf('ufrag');
  return [...fields.slice(0, 6), own >= 0 ? fields[own + 1] : ufrag].join(' ');
}

/** The candidates a session description carries, as keys. */
export function describedCandidates(sdp: string): Set<string> {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? '';
  return new Set(sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => candidateKey(l, ufrag)));
}

/**
 * Which of our candidates still need a message of their own: held while a
 * description waits for gathering, then each one that description does not
 * carry, in order (a description sent while nothing is held lets later
 * candidates through at once). The end of candidates needs none once a
 * description was sent complete.
 */
export class Trickle {
  readonly #send: (candidate: RTCIceCandidateInit | null) => void;
  #held: (RTCIceCandidateInit | null)[] | null = null;
  #described = new Set<string>();
  #complete = false;

  constructor(send: (candidate: RTCIceCandidateInit | null) => void) {
    this.#send = send;
  }

  /** A description is on its way: candidates wait until it has gone. */
  hold(): void {
    this.#held ??= [];
  }

  /** One candidate from `icecandidate`; null is the end of gathering. */
  candidate(candidate: RTCIceCandidateInit | null): void {
    if (this.#held) this.#held.push(candidate);
    else this.#pass(candidate);
  }

  /** We sent a description (`complete`: gathering had ended): what it carries needs no message. */
  described(sdp: string, complete: boolean): void {
    this.#described = describedCandidates(sdp);
    this.#complete = complete;
  }

  /** The description has gone (or could not be made): the candidates held go now, those it carries excepted. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const candidate of held) this.#pass(candidate);
  }

  #pass(candidate: RTCIceCandidateInit | null): void {
    if (candidate === null ? this.#complete : this.#described.has(candidateKey(candidate.candidate ?? '', candidate.usernameFragment ?? ''))) return;
    this.#send(candidate);
  }
}
