/** What the stats overlay shows, from RTCPeerConnection.getStats(). */
export interface LiveStats {
  width?: number;
  height?: number;
  fps?: number;
  kbps?: number;
  rttMs?: number;
  path?: 'direct' | 'relayed';
}

interface Sample {
  bytes: number;
  at: number;
}

/** Summarises inbound video and the selected candidate pair; bitrate is since the last sample. */
export async function readStats(pc: RTCPeerConnection, previous?: Sample): Promise<[LiveStats, Sample]> {
  const report = await pc.getStats();
  const stats: LiveStats = {};
  let sample: Sample = { bytes: 0, at: performance.now() };
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      stats.width = s.frameWidth as number | undefined;
      stats.height = s.frameHeight as number | undefined;
      stats.fps = s.framesPerSecond as number | undefined;
      sample = { bytes: Number(s.bytesReceived ?? 0), at: Number(s.timestamp ?? performance.now()) };
      if (previous && sample.at > previous.at) {
        stats.kbps = Math.round(((sample.bytes - previous.bytes) * 8) / (sample.at - previous.at));
      }
    }
    if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) {
      if (typeof s.currentRoundTripTime === 'number') stats.rttMs = Math.round(s.currentRoundTripTime * 1000);
      const local = byId.get(String(s.localCandidateId));
      const remote = byId.get(String(s.remoteCandidateId));
      stats.path =
        local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'relayed' : 'direct';
    }
  }
  return [stats, sample];
}
