import { SecureMeetingError } from '../errors.js';
import { checkIceServers } from '../options.js';

/** TURN's answers to credentials it does not take (RFC 8656 §19: 401 Unauthorized, 403 Forbidden). */
const REFUSED = new Set([401, 403]);

/**
 * The meeting's ICE servers and the connections made with them: a new set
 * (short-lived TURN credentials, refreshed) reaches every open connection
 * through setConfiguration(), for its next gathering, and every connection
 * made from then on. A TURN server that refuses our credentials is reported
 * once per server, in words: with `iceTransportPolicy: 'relay'` nothing else
 * would say why no media flows.
 */
export class IceServers {
  #servers: RTCIceServer[];
  readonly #policy: RTCIceTransportPolicy;
  readonly #report: (error: SecureMeetingError) => void;
  readonly #connections = new Set<RTCPeerConnection>();
  readonly #reported = new Set<string>();

  constructor(servers: RTCIceServer[], policy: RTCIceTransportPolicy, report: (error: SecureMeetingError) => void) {
    this.#servers = servers;
    this.#policy = policy;
    this.#report = report;
  }

  /** What each new connection is made with. */
  get config(): Pick<RTCConfiguration, 'iceServers' | 'iceTransportPolicy'> {
    return { iceServers: this.#servers, iceTransportPolicy: this.#policy };
  }

  set(servers: RTCIceServer[]): void {
    this.#servers = checkIceServers(servers);
    this.#reported.clear();
    this.#prune();
    for (const pc of this.#connections) {
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.#servers });
      } catch {
        // Closing meanwhile: nothing left to gather for.
      }
    }
  }

  /** Every connection the meeting makes comes here first. */
  made(pc: RTCPeerConnection): void {
    this.#prune();
    this.#connections.add(pc);
    pc.addEventListener('icecandidateerror', (event) => this.#error(event as RTCPeerConnectionIceErrorEvent));
  }

  clear(): void {
    this.#connections.clear();
  }

  #prune(): void {
    for (const pc of this.#connections) if (pc.signalingState === 'closed') this.#connections.delete(pc);
  }

  #error({ errorCode, errorText, url }: RTCPeerConnectionIceErrorEvent): void {
    if (!REFUSED.has(errorCode) || !/^turns?:/.test(url ?? '') || this.#reported.has(url)) return;
    this.#reported.add(url);
    const why = `${errorCode}${errorText ? ' ' + errorText : ''}`;
    this.#report(new SecureMeetingError('unauthorized', `the TURN server ${url} refused our credentials (${why}); they may have expired`));
  }
}
