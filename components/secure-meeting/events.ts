// The DOM events <secure-meeting> sends: one class each, bubbling and
// composed so a page can listen on the element or on the document.
import type { Meeting } from '../../core/index.js';
import type { RemotePeer } from '../../core/events.js';

/** The local member is in: keys derived, relay reached, `hello` sent. */
export class MeetingJoinEvent extends Event {
  constructor(readonly meeting: Meeting) {
    super('meeting-join', { bubbles: true, composed: true });
  }
}

/**
 * The local member is leaving a joined meeting. Cancelable when a person
 * pressed Leave, so an app can ask "Leave the meeting?" first. `error` says
 * why when the meeting ended on its own.
 */
export class MeetingLeaveEvent extends Event {
  constructor(
    readonly error: Error | null,
    cancelable: boolean,
  ) {
    super('meeting-leave', { bubbles: true, composed: true, cancelable });
  }
}

export class PeerJoinEvent extends Event {
  constructor(readonly peer: RemotePeer) {
    super('peer-join', { bubbles: true, composed: true });
  }
}

export class PeerLeaveEvent extends Event {
  constructor(readonly peer: RemotePeer) {
    super('peer-leave', { bubbles: true, composed: true });
  }
}

/** Joining failed, or something went wrong in a running meeting. Named apart from core's `MeetingErrorEvent`. */
export class SecureMeetingErrorEvent extends Event {
  constructor(readonly error: Error) {
    super('meeting-error', { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'meeting-join': MeetingJoinEvent;
    'meeting-leave': MeetingLeaveEvent;
    'peer-join': PeerJoinEvent;
    'peer-leave': PeerLeaveEvent;
    'meeting-error': SecureMeetingErrorEvent;
  }
}
