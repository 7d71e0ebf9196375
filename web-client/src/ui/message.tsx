import type { ReactNode } from 'react';

/** An error (announced at once) or a calm notice (announced politely). */
export function Message({
  kind,
  testId,
  reason,
  children,
}: {
  kind: 'error' | 'notice';
  testId?: string;
  /** What the message is about, for tests (`data-reason`). */
  reason?: string;
  children: ReactNode;
}) {
  return (
    <div
      className={`message message-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={testId}
      data-reason={reason}
    >
      {children}
    </div>
  );
}
