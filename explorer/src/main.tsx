import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { Api, describeError } from './api';
import { href, useRoute } from './router';
import { SessionContext, tokenStore, useSession, type Session } from './session';
import type { Caller } from './types';
import { AnalyticsView } from './views/analytics';
import { CorrelationView } from './views/correlation';
import { LiveTailView } from './views/live-tail';
import { OperationsView } from './views/operations';
import { SearchView } from './views/search';
import { StreamView } from './views/stream';

const VIEWS = [
  { id: 'search', label: 'Search' },
  { id: 'stream', label: 'Stream' },
  { id: 'correlation', label: 'Correlation' },
  { id: 'analytics', label: 'Analytics' },
  { id: 'operations', label: 'Operations' },
  { id: 'live', label: 'Live tail' },
] as const;

function App() {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [caller, setCaller] = useState<Caller | null>(null);
  const [error, setError] = useState<string | null>(null);
  const signOut = () => {
    tokenStore.clear();
    setToken(null);
    setCaller(null);
  };
  const api = useMemo(() => (token ? new Api(token, signOut) : null), [token]);

  useEffect(() => {
    if (!api) return;
    api.get<Caller>('/v1/whoami').then(
      (c) => {
        setCaller(c);
        setError(null);
      },
      (e: unknown) => {
        setError(`That token was refused (${describeError(e)})`);
        signOut();
      },
    );
  }, [api]);

  if (!api || !caller) return <SignIn error={error} busy={!!api} onToken={(t) => (tokenStore.set(t), setToken(t))} />;
  const session: Session = { api, caller, isAdmin: caller.roles.includes('admin') };
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const { caller } = useSession();
  useEffect(() => {
    const label = VIEWS.find((v) => v.id === route.view)?.label ?? 'Explorer';
    document.title = `${label} · Gyroscops event explorer`;
  }, [route.view]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Gyroscops · event explorer</span>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={href(v.id)} aria-current={route.view === v.id ? 'page' : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who" data-testid="caller">
          <span title="user">{caller.userId}</span> · <span title="organization">{caller.organizationId}</span> ·{' '}
          <span title="roles">{caller.roles.join(', ')}</span>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route.view === 'search' && <SearchView route={route} />}
        {route.view === 'stream' && <StreamView route={route} />}
        {route.view === 'correlation' && <CorrelationView route={route} />}
        {route.view === 'analytics' && <AnalyticsView route={route} />}
        {route.view === 'operations' && <OperationsView />}
        {route.view === 'live' && <LiveTailView />}
        {!VIEWS.some((v) => v.id === route.view) && <p>Unknown view “{route.view}”.</p>}
      </main>
    </>
  );
}

function SignIn({ error, busy, onToken }: { error: string | null; busy: boolean; onToken: (t: string) => void }) {
  const [value, setValue] = useState('');
  const [devAvailable, setDevAvailable] = useState(false);
  const [devError, setDevError] = useState<string | null>(null);
  useEffect(() => {
    fetch('./dev-token', { method: 'HEAD' }).then(
      (r) => setDevAvailable(r.ok),
      () => setDevAvailable(false),
    );
  }, []);
  const useDevToken = async () => {
    try {
      const r = await fetch('./dev-token');
      const body = (await r.json()) as { token?: string };
      if (!r.ok || !body.token) throw new Error(`the service answered ${r.status}`);
      onToken(body.token);
    } catch (e) {
      setDevError(describeError(e));
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Gyroscops event explorer</h1>
      <p>
        Paste an access token (a JWT). The explorer calls the service’s API with it, so you see exactly what its user, organization and
        roles may see.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const t = value.trim().replace(/^Bearer\s+/i, '');
          if (t) onToken(t);
        }}
      >
        <label for="token">Access token</label>
        <textarea id="token" name="token" rows={4} value={value} onInput={(e) => setValue(e.currentTarget.value)} spellcheck={false} />
        <div class="row">
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          {devAvailable && (
            <button type="button" class="secondary" onClick={() => void useDevToken()}>
              Use the development token
            </button>
          )}
        </div>
      </form>
      {busy && <p aria-live="polite">Checking the token…</p>}
      {(error || devError) && (
        <p class="error" role="alert">
          {error ?? devError}
        </p>
      )}
    </main>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
