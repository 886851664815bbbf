// Entry: pick the bridge (the desktop preload's, else a WebSocket to `vigil serve`), then render.
import './zod-jitless';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { VigilBridge } from '../shared/bridge';
import { App } from './App';
import { BridgeProvider } from './data/bridge-context';
import { connectionForPage, WsBridge } from './data/ws-bridge';
import './styles/app.css';
import { applyTheme } from './theme';

applyTheme();

const bridge: VigilBridge = window.vigil ?? new WsBridge(connectionForPage(window.location, window.history, window.sessionStorage));

const queryClient = new QueryClient({
  defaultOptions: {
    // Events keep the caches current: no refetch on focus, and data stays fresh until an
    // event or a reconnect says otherwise.
    queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 },
    mutations: { retry: false },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BridgeProvider bridge={bridge}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </BridgeProvider>
  </StrictMode>,
);
