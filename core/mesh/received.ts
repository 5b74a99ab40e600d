/**
 * What we show of one member's media. The streams the browser makes from the
 * member's SDP stay inside the mesh; what the app and the components get
 * (`peer.stream`, `peer.streams`) are streams of our own holding only the
 * tracks the meeting's rules admit. That is how a receiver enforces what a
 * member may send (the permissions feature) whatever the member's page does:
 * a camera it re-enables from script, or a track it adds, reaches the wire
 * but never a video element here.
 *
 * The browser's streams are the truth and are never edited: each is followed
 * for tracks the browser adds or removes later (renegotiation; a sender
 * moving a track with `setStreams()`, which fires no `track` event), and what
 * we show is computed again from them. A track held back is also disabled,
 * so it plays as black and silence should anything reach it another way.
 */

/** Whether a member's track, as part of the stream with the sender's id `streamId`, may be shown. */
export type TrackRule = (track: MediaStreamTrack, streamId: string) => boolean;

interface Received {
  /** The browser's stream (or one of ours for tracks that came without a stream). */
  readonly remote: MediaStream;
  /** The same, minus what the rules hold back. */
  readonly shown: MediaStream;
}

export class ReceivedStreams {
  /** By the sender's stream id, in the order they arrived. */
  readonly #received = new Map<string, Received>();
  /** The shown streams by the sender's stream id: `peer.streams`. */
  readonly shown = new Map<string, MediaStream>();
  /** The shown side of the first stream that arrived: `peer.stream`. */
  first: MediaStream | null = null;
  /** Tracks that came without a stream go into one of ours. */
  #loose: MediaStream | null = null;

  constructor(private readonly admits: TrackRule, private readonly changed: () => void) {}

  /** A `track` event: the track and the first stream the sender put it in. */
  add(track: MediaStreamTrack, stream: MediaStream | undefined): void {
    let remote = stream;
    if (!remote) {
      remote = this.#loose ??= new MediaStream();
      if (!remote.getTracks().includes(track)) remote.addTrack(track);
    }
    const arrived = !this.#received.has(remote.id);
    if (arrived) this.#follow(remote);
    if (!this.#refilter() && arrived) this.changed();
  }

  /**
   * Applies the rules again to every track: after what they depend on
   * changed (a permission, who presents). Fires `changed` once, if anything
   * shown changed.
   */
  refilter(): void {
    this.#refilter();
  }

  /** True when what is shown changed (and `changed` was fired). */
  #refilter(): boolean {
    let changed = false;
    const shownSomewhere = new Set<MediaStreamTrack>();
    const held = new Set<MediaStreamTrack>();
    for (const [id, { remote, shown }] of this.#received) {
      const wanted = remote.getTracks().filter((t) => t.readyState !== 'ended' && this.#admits(t, id));
      for (const t of remote.getTracks()) (wanted.includes(t) ? shownSomewhere : held).add(t);
      for (const t of shown.getTracks()) {
        if (wanted.includes(t)) continue;
        shown.removeTrack(t);
        changed = true;
      }
      for (const t of wanted) {
        if (shown.getTracks().includes(t)) continue;
        shown.addTrack(t);
        changed = true;
      }
    }
    // A track in two streams, shown in one, stays enabled.
    for (const t of held) if (!shownSomewhere.has(t)) t.enabled = false;
    for (const t of shownSomewhere) t.enabled = true;
    if (changed) this.changed();
    return changed;
  }

  /** A rule that throws holds the track back: failing closed. */
  #admits(track: MediaStreamTrack, streamId: string): boolean {
    try {
      return this.admits(track, streamId) === true;
    } catch {
      return false;
    }
  }

  #follow(remote: MediaStream): void {
    const entry: Received = { remote, shown: new MediaStream() };
    this.#received.set(remote.id, entry);
    this.shown.set(remote.id, entry.shown);
    this.first ??= entry.shown;
    const again = () => {
      // A stream whose last track the sender removed (a screen no longer shared) is let go.
      if (remote.getTracks().length === 0 && entry.shown !== this.first) {
        this.#received.delete(remote.id);
        this.shown.delete(remote.id);
        for (const t of entry.shown.getTracks()) entry.shown.removeTrack(t);
        this.changed();
        return;
      }
      this.refilter();
    };
    remote.addEventListener('addtrack', again);
    remote.addEventListener('removetrack', again);
  }
}
