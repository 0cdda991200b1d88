// Formatting: the viewer's time zone for display, UTC in the title (hover).

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function utc(iso) {
  return iso ? new Date(iso).toISOString().replace('.000Z', 'Z').replace('T', ' ') + ' UTC' : '';
}

// A <time> element: local text, UTC on hover.
export function timeEl(iso, withTime = true) {
  const el = document.createElement('time');
  if (!iso) {
    el.textContent = '—';
    return el;
  }
  el.dateTime = iso;
  el.textContent = (withTime ? dateTime : dateOnly).format(new Date(iso));
  el.title = utc(iso);
  return el;
}

export function formatDay(date) {
  return dayLabel.format(date);
}

export function formatDate(date) {
  return dateOnly.format(date);
}

// "3 Nov 2026 – 2 Dec 2026" for [since, until).
export function rangeText(range) {
  return `${formatDate(range.since)} – ${formatDate(new Date(range.until - 1))}`;
}

export function formatDateTime(date) {
  return dateTime.format(date);
}

// Seconds as a short human duration: "45 s", "12 min", "3.5 h", "2.1 d".
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86400)} d`;
}

export function hours(seconds) {
  return seconds === null || seconds === undefined ? null : Math.round((seconds / 3600) * 100) / 100;
}

export function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${trim(rate * 100)} %`;
}

export function perDay(rate) {
  if (rate === null || rate === undefined) return '—';
  return `${trim(rate)}/day`;
}

function trim(x) {
  return x >= 100 ? String(Math.round(x)) : String(Math.round(x * 10) / 10);
}

// Small DOM builder: text is always set as text, never parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A change of a rate in percentage points: "+5.2 pp".
export function pointsChange(now, before) {
  const pp = Math.round((now - before) * 1000) / 10;
  return `${pp > 0 ? '+' : pp < 0 ? '−' : '±'}${Math.abs(pp)} pp`;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function shortSha(sha) {
  return sha ? sha.slice(0, 10) : 'pending';
}

// RFC 3339 UTC, whole seconds, as the API takes it.
export function isoUtc(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
