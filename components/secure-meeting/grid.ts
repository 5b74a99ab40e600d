// The video grid: the local member's tile first, then one per remote member,
// each passing its inner parts up as tile-* parts of <secure-meeting>.
import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';
import type { MemberStateController } from '../features/member-state.js';

const TILE_PARTS =
  'base:tile-base, video:tile-video, placeholder:tile-placeholder, name:tile-name, status:tile-status, ' +
  'problem:tile-problem, controls:tile-controls, control:tile-control, silence:tile-silence, hide-video:tile-hide-video, disconnect:tile-disconnect, ' +
  'verify:tile-verify, hand:tile-hand';

/** Raised hands (member ids, ours included) and who is talking, marked on the tiles. */
export interface TileMarks {
  readonly hands: readonly string[];
  readonly speaker: string | null;
  /** Comes first among the remote tiles once more than CROWDED tiles are shown: the last member heard talking. */
  readonly first: string | null;
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
 * tile's `tile-close`; `verify` shows the safety code shared with one member.
 */
export function participantsGrid(
  m: Meeting,
  self: MemberStateController,
  peers: readonly RemotePeer[],
  disconnect: (id: string) => void,
  verify: (id: string) => void,
  marks: TileMarks = { hands: [], speaker: null, first: null },
  sinkId = '',
) {
  return html`
    <div part="grid" role="group" aria-label="Participants">
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
            name=${p.name}
            .stream=${p.stream}
            .sinkId=${sinkId}
            ?audio-muted=${!p.audioEnabled}
            ?camera-off=${!p.videoEnabled}
            ?reconnecting=${p.reconnecting}
            ?connection-failed=${p.connectionFailed}
            ?hand-raised=${marks.hands.includes(p.id)}
            ?speaking=${marks.speaker === p.id}
          ></peer-tile>
        `,
      )}
    </div>
  `;
}
