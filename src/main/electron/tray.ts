// The tray icon: always there while the app runs. It re-reads the host's state after run,
// agent and escalation events, debounced: a busy host emits many run.updated a second.
import { join } from 'node:path';
import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import type { EventName } from '../../shared/events';
import type { Api } from '../api';
import type { EventBus } from '../event-bus';
import { IDLE, readTrayState, trayIconFile, trayMenuTemplate, trayTooltip, trayVariant, type TrayActions, type TrayState } from './tray-model';

const REFRESH_ON: ReadonlySet<EventName> = new Set<EventName>([
  'run.created',
  'run.updated',
  'agent.updated',
  'agent.removed',
  'escalation.opened',
  'escalation.updated',
  'issue.updated',
]);
const DEBOUNCE_MS = 250;

export class VigilTray {
  private readonly tray: Tray;
  private state: TrayState = IDLE;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private destroyed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly api: Api,
    events: EventBus,
    private readonly iconDir: string,
    private readonly platform: NodeJS.Platform,
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(this.icon(IDLE));
    this.render();
    this.unsubscribe = events.subscribe(() => this.schedule(), { events: [...REFRESH_ON] });
    // macOS opens the menu on click; elsewhere a click brings the window.
    if (platform !== 'darwin') this.tray.on('click', () => actions.open());
  }

  /** Re-reads the state now (start-up, after Pause all). */
  refresh(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    if (this.running) {
      // One read at a time; a request during a read gets one more read after it.
      this.again = true;
      return this.running;
    }
    this.running = this.read().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  destroy(): void {
    this.destroyed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.tray.destroy();
  }

  private schedule(): void {
    if (this.timer || this.destroyed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, DEBOUNCE_MS);
  }

  private async read(): Promise<void> {
    try {
      this.state = await readTrayState(this.api);
    } catch (err) {
      // The host is closing or a read failed: keep showing the last known state.
      console.warn(`[vigil] tray refresh failed: ${(err as Error).message}`);
      return;
    }
    if (!this.destroyed) this.render();
  }

  private render(): void {
    this.tray.setImage(this.icon(this.state));
    this.tray.setToolTip(trayTooltip(this.state));
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(this.state, this.actions)));
  }

  private icon(state: TrayState): NativeImage {
    return nativeImage.createFromPath(join(this.iconDir, trayIconFile(trayVariant(state), this.platform)));
  }
}
