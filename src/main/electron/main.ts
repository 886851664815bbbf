// The desktop app with the real host and control socket.
import { startHost } from '../host';
import { startControlSocket } from '../transports/control-socket';
import { launchDesktopApp } from './app';

export function main(): void {
  launchDesktopApp({ startHost, startControlSocket });
}
