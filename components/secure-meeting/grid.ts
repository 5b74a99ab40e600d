// The video grid: the local member's tile first, then one per remote member,
// each passing its inner parts up as tile-* parts of <secure-meeting>. It
// fills the space it is given: GridSizeController measures it and
// gridLayout() (layout.ts) picks the columns that make the tiles largest.
// While a screen is shared the grid is a strip beside the spotlight.
import { html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';
import type { MemberStateController } from '../features/member-state.js';
import type { VideoFitController } from '../features/video-fit.js';
import type { PeerTileViewEvent } from '../peer-tile/peer-tile.js';
import { gridLayout } from './layout.js';

/** How the grid is laid out now. */
export interface GridView {
  /** A strip of tiles beside the spotlight (a screen is shared) rather than the whole space. */
  readonly strip?: boolean;
  /** Stream ids that are shared screens: never shown as a member's camera on their tile. */
  readonly screens?: ReadonlySet<string>;
}

/** Follows the grid's size (it does not depend on its tiles: `contain: size`), so the tiles can fill it. */
export class GridSizeController implements ReactiveController {
  private width = 0;
  private height = 0;
  private gap = 0;
  private observed: Element | null = null;
  private readonly resize = typeof ResizeObserver === 'function'
    ? new ResizeObserver(([entry]) => entry && this.resized(entry.target, entry.contentRect))
    : null;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment }) {
    host.addController(this);
  }

  hostUpdated(): void {
    const grid = this.host.renderRoot.querySelector('[part=grid]');
    if (grid === this.observed) return;
    if (this.observed) this.resize?.unobserve(this.observed);
    if (grid) this.resize?.observe(grid);
    this.observed = grid;
  }

  hostDisconnected(): void {
    this.resize?.disconnect();
    this.observed = null;
  }

  /** The grid's columns and tile width for `count` tiles, as inline custom properties; none until measured. */
  styleFor(count: number): Readonly<Record<string, string>> {
    if (this.width === 0) return {};
    const { columns, tileWidth, aspect } = gridLayout(this.width, this.height, count, this.gap);
    return { '--_columns': String(columns), '--_tile-width': `${tileWidth}px`, '--_tile-aspect': String(aspect) };
  }

  private resized(target: Element, rect: DOMRectReadOnly): void {
    this.gap = parseFloat(getComputedStyle(target).columnGap) || 0;
    if (Math.abs(rect.width - this.width) < 1 && Math.abs(rect.height - this.height) < 1) return;
    this.width = rect.width;
    this.height = rect.height;
    this.host.requestUpdate();
  }
}

const TILE_PARTS =
  'base:tile-base, video:tile-video, placeholder:tile-placeholder, name:tile-name, status:tile-status, ' +
  'problem:tile-problem, controls:tile-controls, control:tile-control, silence:tile-silence, hide-video:tile-hide-video, disconnect:tile-disconnect, ' +
  'verify:tile-verify, hand:tile-hand, you:tile-you, quality:tile-quality, quality-text:tile-quality-text, audio-only:tile-audio-only';

/** Raised hands (member ids, ours included) and who is talking, marked on the tiles. */
export interface TileMarks {
  readonly hands: readonly string[];
  readonly speaker: string | null;
  /** Comes first among the remote tiles once more than CROWDED tiles are shown: the last member heard talking. */
  readonly first: string | null;
  /** Our connection's level and figures per member (the quality feature), for the tile's bars. */
  readonly quality?: (id: string) => { level: string; detail: string } | null;
}

/** With more tiles than this, the one talking moves to the front, where it is seen without scrolling. */
export const CROWDED = 4;

/** The remote tiles in order: `first` moves to the front when the grid is crowded. */
export const speakerFirst = (peers: readonly RemotePeer[], first: string | null): readonly RemotePeer[] => {
  const at = peers.findIndex((p) => p.id === first);
  return at <= 0 || peers.length + 1 <= CROWDED ? peers : [peers[at]!, ...peers.slice(0, at), ...peers.slice(at + 1)];
};

/**
 * `disconnect` ends the link to one member, unless a listener cancelled the
 * tile's `tile-close`; `verify` shows the safety code shared with one member;
 * `fit` hears how each remote tile is shown (per-receiver video).
 */
export function participantsGrid(
  m: Meeting,
  self: MemberStateController,
  peers: readonly RemotePeer[],
  disconnect: (id: string) => void,
  verify: (id: string) => void,
  marks: TileMarks = { hands: [], speaker: null, first: null },
  sinkId = '',
  size: GridSizeController | null = null,
  view: GridView = {},
  fit: VideoFitController | null = null,
) {
  // `view.screens` holds the senders' stream ids; `p.streams` is keyed by them.
  const isScreen = (p: RemotePeer, s: MediaStream) => [...(view.screens ?? [])].some((id) => p.streams.get(id) === s);
  const cameraOf = (p: RemotePeer) => (p.stream && isScreen(p, p.stream) ? null : p.stream);
  const style = view.strip ? {} : size?.styleFor(peers.length + 1) ?? {};
  return html`
    <div part="grid" class=${view.strip ? 'strip' : 'fill'} role="group" aria-label=${self.i18n.t.gridLabel} style=${styleMap(style)}>
      <peer-tile
        part="tile local-tile"
        exportparts=${TILE_PARTS}
        local
        name=${m.name}
        .stream=${m.localStream}
        ?audio-muted=${!self.audio.on}
        ?camera-off=${!self.video.on}
        ?hand-raised=${marks.hands.includes(m.id)}
      ></peer-tile>
      ${repeat(
        speakerFirst(peers, marks.first),
        (p) => p.id,
        (p) => html`
          <peer-tile
            part=${marks.speaker === p.id ? 'tile speaking-tile' : 'tile'}
            exportparts=${TILE_PARTS}
            controls
            @tile-close=${(e: Event) => {
              if (!e.defaultPrevented) disconnect(p.id);
            }}
            @tile-verify=${() => verify(p.id)}
            @tile-view=${(e: PeerTileViewEvent) => fit?.tileView(p.id, e)}
            name=${p.name}
            .stream=${cameraOf(p)}
            .sinkId=${sinkId}
            ?audio-muted=${!p.audioEnabled}
            ?camera-off=${!p.videoEnabled}
            ?reconnecting=${p.reconnecting}
            ?connection-failed=${p.connectionFailed}
            ?hand-raised=${marks.hands.includes(p.id)}
            ?speaking=${marks.speaker === p.id}
            quality=${marks.quality?.(p.id)?.level ?? ''}
            quality-detail=${marks.quality?.(p.id)?.detail ?? ''}
            ?audio-only=${fit?.audioOnly(p.id) ?? false}
          ></peer-tile>
        `,
      )}
    </div>
  `;
}
