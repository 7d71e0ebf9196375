/**
 * Messages the local cloud would have delivered: sign-up codes from cognito-local now, SMS
 * invites later. The outbox page at /local/outbox shows them, newest first.
 */
export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  text: string;
  at: string;
}

export class Outbox {
  private readonly messages: OutboxMessage[] = [];

  add(message: Omit<OutboxMessage, 'at'>): void {
    this.messages.unshift({ ...message, at: new Date().toISOString() });
    if (this.messages.length > 200) this.messages.pop();
  }

  list(): readonly OutboxMessage[] {
    return this.messages;
  }
}
