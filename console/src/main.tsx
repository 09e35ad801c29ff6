/** The console: a hash-routed shell over the management API's pages. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, hasToken, setToken, takeTokenFromUrl } from './api';
import { ConnectorsPage } from './pages/connectors';
import { DeadLettersPage } from './pages/dead-letters';
import { GroupPage, GroupsPage } from './pages/groups';
import { PipelinesPage } from './pages/pipelines';
import { TopicPage } from './pages/topic';
import { TopicsPage } from './pages/topics';
import type { Info } from './types';
import { useLoad } from './util';
import './style.css';

takeTokenFromUrl();

function useRoute(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'topics').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Page(props: { route: string[] }) {
  const [section, id] = props.route;
  switch (section) {
    case 'topics':
      return id ? <TopicPage topic={id} /> : <TopicsPage />;
    case 'groups':
      return id ? <GroupPage group={id} /> : <GroupsPage />;
    case 'connectors':
      return <ConnectorsPage />;
    case 'pipelines':
      return <PipelinesPage />;
    case 'dead-letters':
      return <DeadLettersPage topic={id} />;
    default:
      return <p>no page “{section}”</p>;
  }
}

function TokenBox() {
  const [value, setValue] = useState('');
  const [saved, setSaved] = useState(hasToken());
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value);
        setSaved(hasToken());
        setValue('');
        location.reload();
      }}
    >
      <input type="password" placeholder={saved ? 'token set' : 'token or user:password (for changes)'} value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} aria-label="API token" />
      <button type="submit">set</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const info = useLoad(() => get<Info>('/api/info'), []);
  const nav = [
    ['topics', 'Topics'],
    ['groups', 'Groups'],
    ['connectors', 'Connectors'],
    ['pipelines', 'Pipelines'],
    ['dead-letters', 'Dead letters'],
  ];
  return (
    <>
      <header>
        <b class="brand">sluice</b>
        <nav>
          {nav.map(([id, label]) => (
            <a href={`#/${id}`} class={route[0] === id ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="muted">{info.data ? `${info.data.app ? `app ${info.data.app} · ` : ''}${info.data.log} log` : info.error}</span>
        <TokenBox />
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
