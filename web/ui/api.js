// The public JSON API (/api/v1), with the token kept in sessionStorage.
// The page has no other data source.

const TOKEN_KEY = 'shiplog.token';
const OPEN_KEY = 'shiplog.open';

export class Unauthorized extends Error {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

// `value` '' with `open` true: the user chose to go without a token (a
// shiplog without [api] answers loopback clients); remembered for the tab.
export function setToken(value, open = false) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  if (open) sessionStorage.setItem(OPEN_KEY, '1');
  else sessionStorage.removeItem(OPEN_KEY);
}

export function chosen() {
  return Boolean(token()) || sessionStorage.getItem(OPEN_KEY) === '1';
}

export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, v);
  const url = '/api/v1/' + path + (query.toString() ? '?' + query : '');
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  const response = await fetch(url, { headers, cache: 'no-store' });
  if (response.status === 401) throw new Unauthorized('missing or wrong API token');
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error((body && body.error) || `${url}: HTTP ${response.status}`);
  return body;
}

// Every deploy of the filter in [since, until), newest first.
export function deploys(filter, since, until) {
  return get('deploys', { ...filter, since, until, limit: 10000 });
}

export function metrics(filter, since, until, explain = false) {
  return get('metrics', { ...filter, since, until, explain: explain ? 1 : undefined });
}
