/**
 * Member state: each member's display name and whether their microphone and
 * camera are on, told to every member when a control channel opens and
 * whenever it changes. The smallest feature in core; README's "Writing a
 * feature" walks through it.
 */
import { isName } from '../wire/guards.js';
import { defineMessage } from '../wire/registry.js';
import { defineFeature } from './feature.js';

export interface StateBody { name: string; audio: boolean; video: boolean }

export const StateMessage = defineMessage<StateBody>('state', (b) =>
  isName(b['name']) && typeof b['audio'] === 'boolean' && typeof b['video'] === 'boolean', { perSecond: 2, burst: 10 });

export interface MemberStateApi {
  setAudioEnabled(on: boolean): void;
  setVideoEnabled(on: boolean): void;
}

export const memberState = defineFeature({
  key: 'member-state',
  messages: [StateMessage],
  install(ctx): MemberStateApi {
    const ours = (): StateBody => ({ name: ctx.self.name, audio: ctx.media.audioEnabled, video: ctx.media.videoEnabled });
    ctx.onPeerOpen((peer) => ctx.send(peer, StateMessage, ours()));
    ctx.on(StateMessage, (peer, { name, audio, video }) => ctx.updatePeer(peer, { name, audioEnabled: audio, videoEnabled: video }));
    const set = (kind: 'audio' | 'video', on: boolean) => {
      ctx.media.setEnabled(kind, on);
      ctx.send('all', StateMessage, ours());
    };
    return {
      setAudioEnabled: (on) => set('audio', on),
      setVideoEnabled: (on) => set('video', on),
    };
  },
});
