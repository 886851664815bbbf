// The window: navigation on the left, the current screen on the right.
import { useEffect } from 'react';
import { ConnectionBanner, Notices } from './components/Banner';
import { Empty } from './components/Empty';
import { ShortcutsHelp } from './components/ShortcutsHelp';
import { Sidebar } from './components/Sidebar';
import { useConnection } from './data/bridge-context';
import { useBrowserNotifications, useWindowTitle } from './data/use-attention';
import { useLiveUpdates, useNotices } from './data/use-live';
import { useRoute, type Route } from './router';
import { AgentDetail } from './screens/AgentDetail';
import { AgentsScreen } from './screens/AgentsScreen';
import { Dashboard } from './screens/Dashboard';
import { EscalationsScreen } from './screens/EscalationsScreen';
import { IssueDetail } from './screens/IssueDetail';
import { IssuesScreen } from './screens/IssuesScreen';
import { NoKey } from './screens/NoKey';
import { RunDetail } from './screens/RunDetail';
import { RunsScreen } from './screens/RunsScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { useGlobalShortcuts } from './shortcuts';
import { useLimitsLive } from './data/limits';
import { InsightsScreen } from './limits/InsightsScreen';
import { RoutinesScreen } from './limits/RoutinesScreen';

export function App() {
  useLiveUpdates();
  useLimitsLive();
  useGlobalShortcuts();
  useWindowTitle();
  useBrowserNotifications();
  const route = useRoute();
  const { notices, dismiss } = useNotices();
  const connection = useConnection();
  useEffect(() => {
    // A new screen starts at its top, and focus moves there for keyboard users.
    document.querySelector<HTMLElement>('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [route]);
  if (connection === 'unauthorized') return <NoKey reason="refused" />;
  return (
    <div className="app">
      <Sidebar route={route} />
      <main className="main" tabIndex={-1}>
        <ConnectionBanner />
        <Notices notices={notices} dismiss={dismiss} />
        <Screen route={route} />
      </main>
      <ShortcutsHelp />
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'dashboard':
      return <Dashboard />;
    case 'issues':
      return <IssuesScreen />;
    case 'issue':
      return <IssueDetail key={route.ref} issueRef={route.ref} />;
    case 'runs':
      return <RunsScreen />;
    case 'run':
      return <RunDetail key={route.id} runId={route.id} />;
    case 'agents':
      return <AgentsScreen />;
    case 'agent':
      return <AgentDetail key={route.name} name={route.name} />;
    case 'escalations':
      return <EscalationsScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'insights':
      return <InsightsScreen />;
    case 'routines':
      return <RoutinesScreen />;
    case 'not-found':
      return (
        <Empty title={`Nothing at “${route.path}”.`}>
          Go to the <a href="#/">dashboard</a>.
        </Empty>
      );
  }
}
