// electron-vite's main-process entry: the desktop app.
import { main } from './electron/main';

main();
