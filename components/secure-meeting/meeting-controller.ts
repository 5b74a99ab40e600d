import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Meeting, MeetingOptions } from '../../core/index.js';
import type { createMeeting } from '../../core/meeting.js';
import { PREFIX, SecureMeetingError } from '../../core/errors.js';
import type { RemotePeer } from '../../core/events.js';
import type { RelayAdapter } from '../../core/relay.js';
import { listen, type FeatureController } from '../features/feature.js';
import type { IceCredentials, IceRefresher } from './ice-credentials.js';
import { en } from '../i18n/en.js';
import type { Messages } from '../i18n/i18n.js';
import { gateStatusText, meetingStatusText, plainMessage } from './status.js';

/** What the controller tells its element; the element turns these into DOM events. */
export interface MeetingCallbacks {
  joined(meeting: Meeting): void;
  /** The member is leaving a joined meeting; `cancelable` only for a person's own request. */
  leaving(error: Error | null, cancelable: boolean): boolean;
  peerJoin(peer: RemotePeer): void;
  peerLeave(peer: RemotePeer): void;
  error(error: Error): void;
}

type Host = ReactiveControllerHost & HTMLElement;

/** Core's createMeeting and the feature controllers to attach: fetched when a join starts (meeting-view.ts). */
export interface MeetingParts {
  readonly createMeeting: typeof createMeeting;
  readonly features: readonly FeatureController[];
}

/** Why a meeting is over when it ended on its own without an error. */
const ENDED = Symbol('ended');

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * Core's join() resolves once the relay is being dialled; a person is only
 * "in" when it opens. Settles on 'joined', fails if the relay closes for good first.
 */
function untilJoined(meeting: Meeting): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (meeting.state === 'joined') done();
      else if (meeting.state === 'left' || meeting.relayState === 'closed') {
        done(new SecureMeetingError('closed', 'the relay closed before the meeting was joined'));
      }
    };
    const done = (error?: Error) => {
      meeting.removeEventListener('state', check);
      meeting.removeEventListener('relaystate', check);
      if (error) reject(error);
      else resolve();
    };
    meeting.addEventListener('state', check);
    meeting.addEventListener('relaystate', check);
    check();
  });
}

/**
 * Drives one core Meeting for `<secure-meeting>`: starts and ends it, follows
 * its life (state, relay, members, errors) and hands it to each feature's
 * controller while it lasts. No rendering here.
 */
export class MeetingController implements ReactiveController {
  meeting: Meeting | null = null;
  // Kept as they came, and put into words when shown, in the element's language then.
  /** Why the last attempt or meeting ended (an error, or ENDED); shown in the gate. */
  private failure: unknown = null;
  /** A problem that did not end the meeting (the relay dropped, no camera); shown in the status line. */
  private problem: unknown = null;

  private attempt: AbortController | null = null;
  private joining: Promise<void> | null = null;
  private hasJoined = false;
  private unsubscribe: (() => void) | null = null;
  // The same error can arrive as an `error` event and as join()'s rejection; report it once.
  private reported = new WeakSet<object>();
  private features: readonly FeatureController[] = [];
  private refresher: IceRefresher | null = null;

  constructor(
    private readonly host: Host,
    private readonly callbacks: MeetingCallbacks,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    // Moving an element (insertBefore, a framework re-parenting it) disconnects
    // and reconnects it in the same task; only a real removal ends the meeting.
    void Promise.resolve().then(() => {
      if (!this.host.isConnected) void this.leave();
    });
  }

  /** Which screen to show: the meeting as soon as media and keys are ready and the relay is being dialled. */
  get view(): 'gate' | 'meeting' {
    const state = this.meeting?.state;
    return state === 'connecting' || state === 'joined' ? 'meeting' : 'gate';
  }

  /** A join is under way but the meeting view is not up yet. */
  get busy(): boolean {
    return this.attempt !== null && this.view === 'gate';
  }

  /** The gate's progress line. */
  gateStatus(t: Messages): string {
    return this.busy ? gateStatusText(this.meeting, t) : '';
  }

  /** Why the last attempt or meeting ended, for the gate; empty if it did not. */
  errorText(t: Messages): string {
    return this.failure === null ? '' : this.failure === ENDED ? t.meetingEnded : plainMessage(this.failure, t);
  }

  /** The status line of the meeting on screen. */
  statusText(t: Messages): string {
    if (!this.meeting || this.view !== 'meeting') return '';
    return meetingStatusText(this.meeting, this.problem === null ? '' : plainMessage(this.problem, t), t);
  }

  disconnectPeer(id: string): void {
    this.meeting?.disconnectPeer(id);
  }

  get peers(): RemotePeer[] {
    return this.meeting ? [...this.meeting.peers.values()] : [];
  }

  /**
   * Starts a meeting. Rejects with the failure (already reported through the
   * `error` callback and `errorText()`), or with an AbortError when `leave()`
   * or removal cut it short. `parts` brings core and the feature
   * controllers, fetched alongside the relay adapter.
   */
  join(
    options: Omit<MeetingOptions, 'relay'>,
    relay: () => RelayAdapter | Promise<RelayAdapter>,
    parts: () => Promise<MeetingParts>,
    ice: (() => Promise<IceCredentials>) | null = null,
  ): Promise<void> {
    if (this.attempt || this.meeting) {
      return Promise.reject(new DOMException(`${PREFIX}already in a meeting; leave() first`, 'InvalidStateError'));
    }
    const attempt = new AbortController();
    this.attempt = attempt;
    this.joining = this.run(attempt, options, relay, parts, ice);
    return this.joining;
  }

  private async run(
    attempt: AbortController,
    options: Omit<MeetingOptions, 'relay'>,
    relay: () => RelayAdapter | Promise<RelayAdapter>,
    parts: () => Promise<MeetingParts>,
    ice: (() => Promise<IceCredentials>) | null,
  ): Promise<void> {
    this.failure = null;
    this.problem = null;
    this.hasJoined = false;
    this.host.requestUpdate();

    const aborted = new Promise<never>((_, reject) => {
      attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
    });
    try {
      const [adapter, { createMeeting, features }, credentials] = await Promise.race([
        Promise.all([relay(), parts(), ice?.() ?? null]),
        aborted,
      ]);
      this.features = features;
      const own = options.iceServers ?? [];
      const meeting = createMeeting({ ...options, iceServers: [...own, ...(credentials?.iceServers ?? [])], relay: adapter });
      this.meeting = meeting;
      if (ice && credentials) void this.refresh(meeting, own, ice, credentials);
      this.subscribe(meeting);
      await Promise.race([meeting.join().then(() => untilJoined(meeting)), aborted]);
      this.attempt = null;
      this.hasJoined = true;
      this.callbacks.joined(meeting);
    } catch (error) {
      this.attempt = null;
      await this.teardown();
      if (!isAbort(error)) this.fail(error);
      throw error;
    } finally {
      this.joining = null;
      this.host.requestUpdate();
    }
  }

  /**
   * Leaves the meeting, or abandons a join under way. Resolves once core has
   * let go of camera, microphone and connections. With `cancelable`, a
   * listener may veto it (a person pressed Leave) and this returns false.
   */
  async leave(cancelable = false, error: Error | null = null): Promise<boolean> {
    if (this.attempt) {
      this.attempt.abort(new DOMException(`${PREFIX}left before the meeting was joined`, 'AbortError'));
      await this.joining?.catch(() => {});
      return true;
    }
    if (!this.meeting) return true;
    if (this.hasJoined && !this.callbacks.leaving(error, cancelable)) return false;
    this.hasJoined = false;
    await this.teardown();
    this.host.requestUpdate();
    return true;
  }

  private fail(error: unknown): void {
    this.failure = error;
    const err = error instanceof Error ? error : new Error(plainMessage(error, en));
    if (this.reported.has(err)) return;
    this.reported.add(err);
    this.callbacks.error(err);
  }

  private subscribe(meeting: Meeting): void {
    const update = () => this.host.requestUpdate();
    const stops = [
      listen(meeting, 'state', (e) => {
        if (e.state === 'left' && this.hasJoined) {
          // Core ended the meeting on its own (a host removed us, a fatal relay error): back to the gate, saying why.
          const reason = e.reason ?? this.problem ?? ENDED;
          // The event's error is for the page's code: in English, as core's are.
          const said = reason === ENDED ? en.meetingEnded : plainMessage(reason, en);
          void this.leave(false, new Error(said)).then(() => {
            this.failure = reason;
            this.host.requestUpdate();
          });
        }
        update();
      }),
      listen(meeting, 'relaystate', () => {
        // Back online: relay trouble is over, but a missing camera is not.
        if (meeting.relayState === 'open' && (this.problem as SecureMeetingError | null)?.code !== 'media') this.problem = null;
        update();
      }),
      listen(meeting, 'peerjoin', (e) => {
        this.callbacks.peerJoin(e.peer);
        update();
      }),
      listen(meeting, 'peerupdate', update),
      listen(meeting, 'peerleave', (e) => {
        this.callbacks.peerLeave(e.peer);
        update();
      }),
      listen(meeting, 'error', (e) => {
        if (this.attempt && e.error.code !== 'media' && e.error.code !== 'storage') {
          // Not in yet (and not a problem the meeting goes on with): rather than let the adapter retry behind a spinner, give
          // the person the reason at once and the form back.
          this.attempt.abort(e.error);
          return;
        }
        // Core joins without camera/microphone when they fail (to watch and listen); that is worth saying.
        this.problem = e.error;
        this.reported.add(e.error);
        this.callbacks.error(e.error);
        update();
      }),
    ];
    for (const feature of this.features) feature.attach(meeting);
    this.unsubscribe = () => {
      for (const feature of this.features) feature.detach();
      for (const stop of stops) stop();
    };
  }

  /** Fetches the TURN credentials again before they expire, for as long as this meeting lasts. */
  private async refresh(meeting: Meeting, own: RTCIceServer[], ice: () => Promise<IceCredentials>, first: IceCredentials): Promise<void> {
    // Loaded already: the element fetched the first set with it.
    const { IceRefresher } = await import('./ice-credentials.js');
    if (this.meeting !== meeting) return;
    this.refresher = new IceRefresher({
      fetch: ice,
      apply: (next) => meeting.setIceServers([...own, ...next.iceServers]),
      failed: (error) => {
        // The connections made go on; new ones may not get through a strict network until a refresh works.
        this.problem = error;
        this.callbacks.error(error instanceof Error ? error : new Error(String(error)));
        this.host.requestUpdate();
      },
    }, first);
  }

  private async teardown(): Promise<void> {
    this.refresher?.stop();
    this.refresher = null;
    const meeting = this.meeting;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.meeting = null;
    if (!meeting) return;
    try {
      await meeting.leave();
    } catch {
      // Already gone; there is nothing left to release.
    }
  }
}
