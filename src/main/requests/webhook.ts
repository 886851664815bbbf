// Notifications beyond this laptop: every `attention.needed` (a request waiting, an escalation,
// an issue ready for review, a blocked one) posted to the webhook settings.json names, as
// Slack-compatible JSON or as an ntfy message. The URL may carry a secret (a Slack hook path, an
// ntfy topic): only its host is ever named in a notice.
import type { EventPayload } from '../../shared/events';
import type { EventBus } from '../event-bus';
import type { SettingsStore, WebhookSettings } from '../services/settings';

const DEADLINE_MS = 10_000;

type Attention = EventPayload<'attention.needed'>;

export function webhookBody(hook: WebhookSettings, a: Attention): { body: string; headers: Record<string, string> } {
  const about = a.issueIdentifier ? `${a.issueIdentifier}${a.issueTitle ? ` ${a.issueTitle}` : ''}` : null;
  const title = `Vigil: ${a.kind === 'waiting_input' ? 'waiting for you' : a.kind.replace('_', ' ')}${about ? ` (${about})` : ''}`;
  if (hook.format === 'ntfy') {
    // Header values must be ASCII: the title loses what is not.
    return { body: a.message, headers: { 'Content-Type': 'text/plain; charset=utf-8', Title: title.replace(/[^\x20-\x7e]/g, '?'), Tags: a.kind } };
  }
  return { body: JSON.stringify({ text: `*${title}*\n${a.message}` }), headers: { 'Content-Type': 'application/json' } };
}

/** The URL as a notice may show it: its host only (the path and query may be the secret). */
export function safeTarget(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(an invalid URL)';
  }
}

export function startWebhook(settings: SettingsStore, events: EventBus, fetchImpl: typeof fetch = fetch): { dispose(): void } {
  let warned = false;
  const unsubscribe = events.subscribe(
    (e) => {
      if (e.event !== 'attention.needed') return;
      const hook = settings.webhook();
      if (!hook) return;
      const { body, headers } = webhookBody(hook, e.data);
      void fetchImpl(hook.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(DEADLINE_MS) })
        .then((res) => {
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          warned = false;
        })
        .catch((err: Error) => {
          if (warned) return; // once per failure streak, not per event
          warned = true;
          const why = err.name === 'TimeoutError' ? 'no answer within 10 s' : err.message.split('\n')[0];
          events.emit('host.notice', { level: 'warning', message: `The webhook to ${safeTarget(hook.url)} failed (${why.replaceAll(hook.url, safeTarget(hook.url))}).` });
        });
    },
    { events: ['attention.needed'] },
  );
  return { dispose: unsubscribe };
}
