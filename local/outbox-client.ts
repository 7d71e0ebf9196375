/**
 * The outbox page's script (local/outbox-page.ts serves it, bundled): shows the messages in the
 * reader's own time and language, and adds new ones as they come, without reloading the page.
 */
export {}; // a module: its names stay its own (`status` is also a global)

interface Message {
  channel: 'email' | 'sms';
  to: string;
  text: string;
  at: string;
}

const POLL_MS = 2000;
const list = document.getElementById('messages') as HTMLOListElement;
const status = document.getElementById('status') as HTMLParagraphElement;
const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
let shown: string | undefined;

function render(messages: Message[]): void {
  const key = messages.map((m) => m.at + m.to).join('|');
  if (key === shown) return;
  const added = shown === undefined ? 0 : messages.length - list.childElementCount;
  shown = key;
  list.replaceChildren(...messages.map(item));
  list.hidden = messages.length === 0;
  status.textContent =
    messages.length === 0
      ? 'Nothing sent yet. Sign-up codes and SMS invites appear here as they are sent.'
      : `${messages.length} ${messages.length === 1 ? 'message' : 'messages'}, newest first.` +
        (added > 0 ? ` ${added} new.` : '');
}

function item(m: Message): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'card outbox-message';
  li.dataset.testid = 'outbox-message';
  const head = document.createElement('p');
  head.className = 'outbox-head';
  const badge = document.createElement('span');
  badge.className = `badge badge-${m.channel === 'sms' ? 'pending' : 'online'}`;
  badge.textContent = m.channel === 'sms' ? 'SMS' : 'Email';
  const to = document.createElement('span');
  to.className = 'outbox-to';
  to.textContent = `to ${m.to}`;
  const when = document.createElement('time');
  when.dateTime = m.at;
  when.textContent = time.format(new Date(m.at));
  head.append(badge, ' ', to, ' ', when);
  const text = document.createElement('p');
  text.className = 'outbox-text';
  // Links become links; everything else stays text (the messages carry no markup).
  for (const part of m.text.split(/(https:\/\/\S+)/)) {
    if (/^https:\/\//.test(part)) {
      const a = document.createElement('a');
      a.href = part;
      a.textContent = part;
      text.append(a);
    } else text.append(part);
  }
  li.append(head, text);
  return li;
}

async function poll(): Promise<void> {
  try {
    const response = await fetch('/local/outbox.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(String(response.status));
    render(((await response.json()) as { messages: Message[] }).messages);
  } catch {
    status.textContent = 'The local cloud is not answering; is npm start still running?';
  }
  window.setTimeout(() => void poll(), POLL_MS);
}

void poll();
