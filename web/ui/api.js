// The public JSON API (/api/v1), with the token kept in sessionStorage.
// The page has no other data source.

const TOKEN_KEY = 'shiplog.token';
const OPEN_KEY = 'shiplog.open';

export class Unauthorized extends Error {}
// The API did not answer (network error, daemon down) or answered 5xx.
export class Unavailable extends Error {}

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

function url(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, v);
  return '/api/v1/' + path + (query.toString() ? '?' + query : '');
}

async function request(target) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  let response;
  try {
    response = await fetch(target, { headers, cache: 'no-store' });
  } catch (e) {
    throw new Unavailable(`The shiplog API is not answering (${e.message}).`);
  }
  if (response.status === 401) throw new Unauthorized('missing or wrong API token');
  const body = await response.json().catch(() => null);
  if (response.status >= 500) throw new Unavailable(`The shiplog API answered ${response.status}${body && body.error ? ': ' + body.error : ''}.`);
  if (!response.ok) throw new Error((body && body.error) || `${target}: HTTP ${response.status}`);
  return { body, response };
}

export async function get(path, params = {}) {
  return (await request(url(path, params))).body;
}

// One page of deploys and the address of the next (the Link header), or null.
export async function deployPage(params, next = null) {
  const { body, response } = await request(next || url('deploys', params));
  const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('Link') || '');
  return { deploys: body, next: link ? link[1] : null };
}

// Every deploy of the filter in [since, until), newest first.
export function deploys(filter, since, until) {
  return get('deploys', { ...filter, since, until, limit: 10000 });
}

export function metrics(filter, since, until, explain = false) {
  return get('metrics', { ...filter, since, until, explain: explain ? 1 : undefined });
}

export function trend(filter, since, until, bucket) {
  return get('metrics/trend', { ...filter, since, until, bucket });
}

export function details(id) {
  return get('deploys/' + encodeURIComponent(id) + '/details');
}
