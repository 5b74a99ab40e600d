/** What a member's connection says it received: for diagnostics, tests and liveness. */

export interface PeerStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoBytesReceived: number;
  /** Sum of the squared levels of the audio played so far, and its length in seconds (for the level between two samples). */
  audioEnergy: number;
  audioDuration: number;
}

type Report = { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number; bytesReceived?: number; totalAudioEnergy?: number; totalSamplesDuration?: number };

/** Video frames decoded, video bytes and audio packets received, audio energy played, over all inbound streams. */
export async function receiveStats(pc: RTCPeerConnection): Promise<PeerStats> {
  const result = { framesDecoded: 0, audioPacketsReceived: 0, videoBytesReceived: 0, audioEnergy: 0, audioDuration: 0 };
  (await pc.getStats()).forEach((report: Report) => {
    if (report.type !== 'inbound-rtp') return;
    if (report.kind === 'video') {
      result.framesDecoded += report.framesDecoded ?? 0;
      result.videoBytesReceived += report.bytesReceived ?? 0;
    } else if (report.kind === 'audio') {
      result.audioPacketsReceived += report.packetsReceived ?? 0;
      result.audioEnergy += report.totalAudioEnergy ?? 0;
      result.audioDuration += report.totalSamplesDuration ?? 0;
    }
  });
  return result;
}

/** Bytes received on the connection's transports so far (media, RTCP, ICE checks); undefined once it is closed. */
export async function transportBytes(pc: RTCPeerConnection): Promise<number | undefined> {
  let bytes = 0;
  try {
    (await pc.getStats()).forEach((r: Report) => {
      if (r.type === 'transport') bytes += r.bytesReceived ?? 0;
    });
  } catch {
    return undefined; // closed meanwhile
  }
  return bytes;
}
