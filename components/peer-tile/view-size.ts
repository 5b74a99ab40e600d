// How big a video is on screen, and whether it is seen at all, for
// per-receiver video (core/features/video-fit.ts): each sender then sends
// us that member's picture at the size we show it, and nothing while we
// cannot see it. A tile fires `tile-view` when either changes; the
// meeting's VideoFitController passes it on (and watches the spotlight's
// screens with the same ViewWatcher).
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** A video's rendered size in device pixels, and whether any of it can be seen. */
export interface RenderedView { readonly width: number; readonly height: number; readonly visible: boolean }

/**
 * A tile's rendered size in device pixels (CSS pixels × devicePixelRatio),
 * as much of the picture as `object-fit: cover` needs, and whether any of
 * it can be seen: in the viewport, the page visible, the video not hidden.
 */
export class PeerTileViewEvent extends Event implements RenderedView {
  constructor(readonly width: number, readonly height: number, readonly visible: boolean) {
    super('tile-view', { bubbles: true, composed: true });
  }
}

/**
 * Watches one video's box (ResizeObserver, IntersectionObserver, page
 * visibility, the picture's own shape) and calls `changed` with each new
 * view. `shows` says whether the video is shown at all there.
 */
export class ViewWatcher {
  private box: Element | null = null;
  private video: HTMLVideoElement | null = null;
  private size = { width: 0, height: 0 };
  private inViewport = false;
  private last = '';
  private readonly check = () => this.report();
  private readonly resize = typeof ResizeObserver === 'function'
    ? new ResizeObserver(([entry]) => {
        if (!entry) return;
        this.size = { width: entry.contentRect.width, height: entry.contentRect.height };
        this.report();
      })
    : null;
  private readonly intersect = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
        const entry = entries.at(-1);
        if (!entry) return;
        this.inViewport = entry.isIntersecting;
        this.report();
      })
    : null;

  constructor(private readonly shows: () => boolean, private readonly changed: (view: RenderedView) => void) {
    document.addEventListener('visibilitychange', this.check);
  }

  /** Follows this box and the video in it (the same ones again: nothing changes); then checks. */
  watch(box: Element | null, video: HTMLVideoElement | null): void {
    if (box !== this.box) {
      this.resize?.disconnect();
      this.intersect?.disconnect();
      if (box) {
        this.resize?.observe(box);
        this.intersect?.observe(box);
      }
      this.box = box;
    }
    // The picture's shape is known with its first frame, and changes when the sender scales it.
    if (video !== this.video) {
      this.video?.removeEventListener('resize', this.check);
      video?.addEventListener('resize', this.check);
      this.video = video;
    }
    this.report();
  }

  stop(): void {
    document.removeEventListener('visibilitychange', this.check);
    this.watch(null, null);
    this.last = '';
  }

  private report(): void {
    if (!this.box) return;
    const ratio = window.devicePixelRatio || 1;
    let { width, height } = this.size;
    // object-fit: cover fills the box, cropping the picture's longer side: that much of it is needed.
    const video = this.video;
    if (video && video.videoWidth > 0 && video.videoHeight > 0 && width > 0) {
      height = Math.max(height, (width * video.videoHeight) / video.videoWidth);
      width = Math.max(width, (height * video.videoWidth) / video.videoHeight);
    }
    const view = { width: Math.round(width * ratio), height: Math.round(height * ratio), visible: this.shows() && this.inViewport && document.visibilityState === 'visible' };
    const key = `${view.width}x${view.height}:${view.visible}`;
    if (key === this.last) return;
    this.last = key;
    this.changed(view);
  }
}

interface ViewHost extends ReactiveControllerHost, HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
  /** Whether the tile shows video now (a stream, camera on, not hidden here). */
  readonly showsVideo: boolean;
}

/** A tile's ViewWatcher on its frame and video, firing PeerTileViewEvent from the tile. */
export class TileViewController implements ReactiveController {
  private watcher: ViewWatcher | null = null;

  constructor(private readonly host: ViewHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.watcher = new ViewWatcher(() => this.host.showsVideo, (v) => this.host.dispatchEvent(new PeerTileViewEvent(v.width, v.height, v.visible)));
  }

  hostUpdated(): void {
    const root = this.host.renderRoot;
    this.watcher?.watch(root.querySelector('[part~=base]'), root.querySelector('video'));
  }

  hostDisconnected(): void {
    this.watcher?.stop();
    this.watcher = null;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'tile-view': PeerTileViewEvent;
  }
}
