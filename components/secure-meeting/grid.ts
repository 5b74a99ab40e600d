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
  'verify:tile-verify';

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
  speaker = '',
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
      ></peer-tile>
      ${repeat(
        peers,
        (p) => p.id,
        (p) => html`
          <peer-tile
            part="tile"
            exportparts=${TILE_PARTS}
            controls
            @tile-close=${(e: Event) => {
              if (!e.defaultPrevented) disconnect(p.id);
            }}
            @tile-verify=${() => verify(p.id)}
            name=${p.name}
            .stream=${p.stream}
            .sinkId=${speaker}
            ?audio-muted=${!p.audioEnabled}
            ?camera-off=${!p.videoEnabled}
            ?reconnecting=${p.reconnecting}
            ?connection-failed=${p.connectionFailed}
          ></peer-tile>
        `,
      )}
    </div>
  `;
}
