import { Message } from '../ui/message';
import type { LiveState } from './viewer-connection';

/** Who sends the video, in the words the person watching uses. */
export type LiveSource = 'camera' | 'caller';

const REFUSED: Record<LiveSource, string> = {
  camera:
    'The video was not shown: it did not come from your camera. Something else answered on this camera’s video channel with valid credentials. The attempt was recorded; check the camera and who has access to it.',
  caller:
    'The video was not shown: it did not come from the caller’s phone. Something else answered on this invite’s video channel with valid credentials. The attempt was recorded; end the invite if it happens again.',
};

const ENDED: Record<LiveSource, string> = {
  camera:
    'This viewing session was ended, so the live video stopped. Close it and watch again to start a new one.',
  caller: 'This viewing session was ended, so the live video stopped. Watch again to start a new one.',
};

/** Why a live view stopped for good (failed, refused, ended), or nothing while it runs. */
export function LiveProblem({
  state,
  source,
  testId,
}: {
  state: LiveState;
  source: LiveSource;
  testId: string;
}) {
  const text =
    state.kind === 'failed'
      ? state.reason
      : state.kind === 'refused'
        ? REFUSED[source]
        : state.kind === 'ended'
          ? ENDED[source]
          : undefined;
  if (!text) return null;
  return (
    <Message kind={state.kind === 'ended' ? 'notice' : 'error'} testId={testId} reason={state.kind}>
      {text}
    </Message>
  );
}
