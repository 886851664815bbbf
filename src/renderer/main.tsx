// Entry: pick the bridge (the desktop preload's, else a WebSocket to `vigil serve`), then render.
import './zod-jitless';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { VigilBridge } from '../shared/bridge';
import { App } from './App';
import { BridgeProvider } from './data/bridge-context';
import { connectionForPage, tokenAcceptedBy, WsBridge } from './data/ws-bridge';
import { NoKey } from './screens/NoKey';
import './styles/app.css';
import { applyTheme } from './theme';

applyTheme();

// The desktop window has its preload's bridge; a browser tab needs the token serve printed.
const page = window.vigil ? null : connectionForPage(window.location, window.history, window.sessionStorage);
const bridge: VigilBridge | null =
  window.vigil ?? (page?.hasToken ? new WsBridge({ ...page, tokenAccepted: () => tokenAcceptedBy(window.location.origin, page.protocols) }) : null);

const queryClient = new QueryClient({
  defaultOptions: {
    // Events keep the caches current: no refetch on focus, and data stays fresh until an
    // event or a reconnect says otherwise.
    queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 },
    mutations: { retry: false },
  },
});

const root = createRoot(document.getElementById('root')!);
if (!bridge) root.render(<NoKey reason="missing" />);
else
root.render(
  <StrictMode>
    <BridgeProvider bridge={bridge}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </BridgeProvider>
  </StrictMode>,
);
