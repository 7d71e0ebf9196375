import type { ReactNode } from 'react';

/** An error (announced at once) or a calm notice (announced politely). */
export function Message({
  kind,
  testId,
  children,
}: {
  kind: 'error' | 'notice';
  testId?: string;
  children: ReactNode;
}) {
  return (
    <div
      className={`message message-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
