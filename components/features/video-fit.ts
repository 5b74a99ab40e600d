// Per-receiver video, the component side: each remote tile's `tile-view`
// (its rendered size and visibility) and each shared screen in the
// spotlight go to core's videoFit, which tells that member how we show
// their video, so they send it at that size, or not at all. The other way
// round, it keeps who told us their upload carries only their audio to us,
// for the tiles' "Audio only" note.
import type { ReactiveControllerHost } from 'lit';
import type { Meeting } from '../../core/index.js';
import { videoFit } from '../../core/features/video-fit.js';
import { ViewWatcher, type RenderedView } from '../peer-tile/view-size.js';
import { FeatureController, listen } from './feature.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export class VideoFitController extends FeatureController {
  /** One watcher per presenter whose screen the spotlight shows. */
  private readonly screens = new Map<string, ViewWatcher>();
  /** Each remote tile's last view, told again with priority when its member becomes the one talking. */
  private readonly views = new Map<string, RenderedView>();
  private speaker: string | null = null;

  constructor(protected override readonly host: Host) {
    super(host);
    host.addController({ hostUpdated: () => this.watchScreens(), hostDisconnected: () => this.stopScreens() });
  }

  /** Members whose upload carries only their audio to us now. */
  audioOnly(id: string): boolean {
    return this.meeting?.feature(videoFit).audioOnly.has(id) ?? false;
  }

  /** A remote tile's rendered view of member `id`'s camera; the member talking now has priority. */
  tileView(id: string, view: RenderedView): void {
    this.views.set(id, view);
    this.meeting?.feature(videoFit).show(id, 'camera', { width: view.width, height: view.height, visible: view.visible, priority: id === this.speaker });
  }

  override detach(): void {
    this.stopScreens();
    this.views.clear();
    this.speaker = null;
    super.detach();
  }

  protected override follow(meeting: Meeting): (() => void)[] {
    return [
      listen(meeting, 'videofit', () => this.host.requestUpdate()),
      listen(meeting, 'activespeaker', (e) => {
        const before = this.speaker;
        this.speaker = e.id;
        for (const id of [before, e.id]) {
          const view = id === null ? undefined : this.views.get(id);
          if (id !== null && view) this.tileView(id, view);
        }
      }),
      listen(meeting, 'peerleave', (e) => void this.views.delete(e.peer.id)),
    ];
  }

  /** The spotlight's screens (spotlight.ts: `[part~=screen-frame][data-id]`, ours marked `local`). */
  private watchScreens(): void {
    const meeting = this.meeting;
    if (!meeting) return;
    const frames = new Map<string, HTMLElement>();
    for (const frame of this.host.renderRoot.querySelectorAll<HTMLElement>('[part~=screen-frame][data-id]:not(.local)')) {
      frames.set(frame.dataset['id']!, frame);
    }
    for (const [id, watcher] of this.screens) {
      if (frames.has(id)) continue;
      watcher.stop();
      this.screens.delete(id);
    }
    for (const [id, frame] of frames) {
      let watcher = this.screens.get(id);
      if (!watcher) {
        watcher = new ViewWatcher(() => true, (v) => this.meeting?.feature(videoFit).show(id, 'screen', { ...v, priority: true }));
        this.screens.set(id, watcher);
      }
      watcher.watch(frame, frame.querySelector('video'));
    }
  }

  private stopScreens(): void {
    for (const watcher of this.screens.values()) watcher.stop();
    this.screens.clear();
  }
}
