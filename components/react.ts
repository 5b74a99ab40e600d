// `secure-meeting/react`: typed React wrappers made with @lit/react, so a
// React app passes properties (adapterOptions, iceServers, media) as props
// and gets the element's events as onPeerJoin-style callbacks. Importing it
// registers the elements, as the package entry does. React 18 and 19.
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
// The package entry: registering the elements, adapters loaded with import().
import { SecureMeeting as SecureMeetingElement } from './index.js';
import type * as Entry from './index.js';

export { SecureMeetingElement };

/**
 * `<SecureMeeting relay="/relay/[TOPIC]" adapterOptions={{ apiKey }} onPeerJoin={(e) => e.peer.name} />`.
 * A ref reaches the element itself (`join()`, `leave()`, `meeting`).
 */
export const SecureMeeting = createComponent({
  tagName: 'secure-meeting',
  elementClass: SecureMeetingElement,
  react: React,
  events: {
    onMeetingJoin: 'meeting-join' as EventName<Entry.MeetingJoinEvent>,
    onMeetingLeave: 'meeting-leave' as EventName<Entry.MeetingLeaveEvent>,
    onPeerJoin: 'peer-join' as EventName<Entry.PeerJoinEvent>,
    onPeerLeave: 'peer-leave' as EventName<Entry.PeerLeaveEvent>,
    onMeetingError: 'meeting-error' as EventName<Entry.SecureMeetingErrorEvent>,
  },
});
