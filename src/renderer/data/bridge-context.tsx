// The one bridge the screens talk through, and the connection state when it can drop.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { VigilBridge } from '../../shared/bridge';
import { isConnectionSource, type ConnectionState } from './ws-bridge';

const BridgeContext = createContext<VigilBridge | null>(null);

export function BridgeProvider({ bridge, children }: { bridge: VigilBridge; children: ReactNode }) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

export function useBridge(): VigilBridge {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge outside BridgeProvider');
  return bridge;
}

/** 'open' for the desktop bridge, which cannot lose its host while the window lives. */
export function useConnection(): ConnectionState {
  const bridge = useBridge();
  const source = isConnectionSource(bridge) ? bridge : null;
  const [state, setState] = useState<ConnectionState>(source?.connection ?? 'open');
  useEffect(() => {
    if (!source) return;
    setState(source.connection);
    return source.onConnection((s) => setState(s));
  }, [source]);
  return state;
}
