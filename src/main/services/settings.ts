// The user's settings, kept as settings.json in the data folder: they belong to this machine
// and its user (which notifications to show), not to a database a team may share. Written
// whole to a temporary file and renamed over the old one, so a crash never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsDto, type CallParsedInput } from '../../shared/contract';
import type { EventBus } from '../event-bus';
import { hostLog } from '../host-log';

export const DEFAULT_SETTINGS: SettingsDto = {
  notifications: { in_review: true, blocked: true, waiting_input: true, escalation: true },
};

/** issue 21: a webhook for "needs you" events, set by hand in settings.json; its URL may hold a secret. */
export interface WebhookSettings {
  url: string;
  /** slack: a JSON `{ text }` (Slack-compatible incoming webhooks); ntfy: the text as the body, a Title header. */
  format: 'slack' | 'ntfy';
}

export class SettingsStore {
  private current: SettingsDto;
  /** Kept as the file has it and written back: fields this store does not edit survive its writes. */
  private webhookValue: WebhookSettings | null;
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'settings.json');
    this.current = readSettings(this.path);
    this.webhookValue = readWebhook(this.path);
  }

  webhook(): WebhookSettings | null {
    return this.webhookValue ? { ...this.webhookValue } : null;
  }

  get(): SettingsDto {
    return structuredClone(this.current);
  }

  update(patch: CallParsedInput<'settings.update'>): SettingsDto {
    const next: SettingsDto = { notifications: { ...this.current.notifications, ...patch.notifications } };
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const file = this.webhookValue ? { ...next, webhook: this.webhookValue } : next;
    writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
    this.current = next;
    return this.get();
  }
}

/** Missing, unreadable or hand-broken settings fall back to the defaults, field by field. */
function readSettings(path: string): SettingsDto {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // No file yet is the ordinary first start; a file we cannot read or parse is worth a line.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') hostLog('warn', 'settings', `${path} unreadable, using the defaults`, err);
    return structuredClone(DEFAULT_SETTINGS);
  }
  const notifications = { ...DEFAULT_SETTINGS.notifications };
  const given = (raw as { notifications?: Record<string, unknown> } | null)?.notifications ?? {};
  for (const key of Object.keys(notifications) as (keyof typeof notifications)[]) {
    if (typeof given[key] === 'boolean') notifications[key] = given[key] as boolean;
  }
  return SettingsDto.parse({ notifications });
}

/** The webhook, when settings.json names a valid one (an http(s) URL and a known format). */
function readWebhook(path: string): WebhookSettings | null {
  try {
    const raw = (JSON.parse(readFileSync(path, 'utf8')) as { webhook?: { url?: unknown; format?: unknown } } | null)?.webhook;
    if (!raw || typeof raw.url !== 'string' || !/^https?:\/\//.test(raw.url)) return null;
    return { url: raw.url, format: raw.format === 'ntfy' ? 'ntfy' : 'slack' };
  } catch {
    return null;
  }
}

export function settingsHandlers(store: SettingsStore, events: EventBus) {
  return {
    'settings.get': async () => store.get(),
    'settings.update': async (input: CallParsedInput<'settings.update'>) => {
      const next = store.update(input);
      events.emit('settings.updated', next);
      return next;
    },
  };
}
