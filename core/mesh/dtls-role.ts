// The DTLS role in a renegotiation. An offer says "a=setup:actpass", and the
// answerer is to keep the role the transport already has (RFC 8842, 5.5).
// Firefox, answering an ICE restart it did not start, can choose "active"
// whatever its role was. Chromium then refuses that answer ("Failed to set SSL
// role for the transport"), and the connection is left mid-offer for good.
// So once the transport is up, the offer we send states the role we hold,
// and every answerer keeps it.

type Setup = 'active' | 'passive' | 'actpass';
type Description = { readonly type: RTCSdpType; readonly sdp: string } | null;

const SETUP = /^a=setup:(active|passive|actpass)\r?$/m;

/** The role a description declares (the first a=setup line), or null when it has none. */
export function setupOf(sdp: string): Setup | null {
  return (SETUP.exec(sdp)?.[1] as Setup | undefined) ?? null;
}

/**
 * Our role on the transport in force, from the descriptions the last
 * negotiation settled on (currentLocalDescription, currentRemoteDescription):
 * our answer's, or the opposite of their answer's. Null before any.
 */
export function heldRole(local: Description, remote: Description): 'active' | 'passive' | null {
  const answer = local?.type === 'answer' ? local : remote?.type === 'answer' ? remote : null;
  const setup = answer ? setupOf(answer.sdp) : null;
  if (setup !== 'active' && setup !== 'passive') return null;
  if (answer === local) return setup;
  return setup === 'active' ? 'passive' : 'active';
}

/** An offer to send: with a role held, its "actpass" lines say that role instead. */
export function offerKeepingRole(sdp: string, role: 'active' | 'passive' | null): string {
  return role === null ? sdp : sdp.replace(/^a=setup:actpass(\r?)$/gm, `a=setup:${role}$1`);
}
