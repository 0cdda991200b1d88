// The page's state lives in the URL hash, so a reload keeps it and a link
// shares it: #/<view>[/<id>]?env=&dep=&window=&from=&to=&status=&failure=&q=
// Windows are whole local days: "last 30 days" is today and the 29 days
// before it, so a view opened again the same day asks the same window.

const DAY_MS = 86400000;

export const WINDOWS = [
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['this-month', 'This month'],
  ['last-month', 'Last month'],
  ['this-quarter', 'This quarter'],
  ['last-quarter', 'Last quarter'],
  ['custom', 'Custom…'],
];

const KEYS = ['env', 'dep', 'window', 'from', 'to', 'status', 'failure', 'q', 'envfrom', 'envto'];

// {view, id, env, dep, window, from, to, status, failure, q} from location.hash.
export function parse(hash = location.hash) {
  const text = hash.replace(/^#\/?/, '');
  const at = text.indexOf('?');
  const path = at < 0 ? text : text.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : text.slice(at + 1));
  const [view, ...rest] = path.split('/');
  const state = { view: view || 'overview', id: rest.length ? decodeURIComponent(rest.join('/')) : null };
  for (const k of KEYS) state[k] = params.get(k) || '';
  if (!WINDOWS.some(([v]) => v === state.window)) state.window = '30d';
  return state;
}

// The hash for `state`; only non-empty keys are written.
export function format(state) {
  const params = new URLSearchParams();
  for (const k of KEYS) if (state[k]) params.set(k, state[k]);
  const path = state.view + (state.id ? '/' + encodeURIComponent(state.id) : '');
  const query = params.toString();
  return '#/' + path + (query ? '?' + query : '');
}

// The same state with `changes`, as a hash.
export function link(state, changes) {
  return format({ ...state, ...changes });
}

function midnight(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

function fromDateInput(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

export function toDateInput(date) {
  return date.toLocaleDateString('sv');  // yyyy-mm-dd in local time
}

// The window [since, until) of `state`, in local whole days; `until` never
// passes the end of today (tomorrow 00:00).
export function windowRange(state, now = new Date()) {
  const tomorrow = addDays(midnight(now), 1);
  const quarter = Math.floor(now.getMonth() / 3) * 3;
  let since;
  let until = tomorrow;
  switch (state.window) {
    case '7d': since = addDays(tomorrow, -7); break;
    case '90d': since = addDays(tomorrow, -90); break;
    case 'this-month': since = new Date(now.getFullYear(), now.getMonth(), 1); break;
    case 'last-month':
      since = new Date(now.getFullYear(), now.getMonth() - 1, 1);
      until = new Date(now.getFullYear(), now.getMonth(), 1);
      break;
    case 'this-quarter': since = new Date(now.getFullYear(), quarter, 1); break;
    case 'last-quarter':
      since = new Date(now.getFullYear(), quarter - 3, 1);
      until = new Date(now.getFullYear(), quarter, 1);
      break;
    case 'custom': {
      const from = fromDateInput(state.from);
      const to = fromDateInput(state.to);
      if (from && to && from <= to) {
        since = from;
        until = addDays(to, 1);
        break;
      }
      since = addDays(tomorrow, -30);
      break;
    }
    default: since = addDays(tomorrow, -30);
  }
  const days = Math.round((until - since) / DAY_MS);
  return { since, until, days };
}

// The window of the same length just before `range` (for trends and
// "vs previous"): a calendar month before a month preset, else as many days.
export function previousRange(state, range) {
  if (state.window === 'this-month' || state.window === 'last-month') {
    const since = new Date(range.since.getFullYear(), range.since.getMonth() - 1, 1);
    return { since, until: range.since, days: Math.round((range.since - since) / DAY_MS) };
  }
  if (state.window === 'this-quarter' || state.window === 'last-quarter') {
    const since = new Date(range.since.getFullYear(), range.since.getMonth() - 3, 1);
    return { since, until: range.since, days: Math.round((range.since - since) / DAY_MS) };
  }
  const since = addDays(range.since, -range.days);
  return { since, until: range.since, days: range.days };
}

// The API filter of `state`: staging is never mixed into production unless
// the environment "all" was chosen.
export function apiFilter(state) {
  const filter = {};
  if (state.dep) filter.deployment = state.dep;
  if (state.env && state.env !== 'all') filter.environment = state.env;
  return filter;
}
