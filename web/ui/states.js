// What a view shows while it loads, when the API fails, and when the window
// is empty.
import { h } from './format.js';

// Grey placeholder blocks in the shape of the view about to appear.
export function skeleton(view) {
  const block = (cls) => h('div', { class: 'skeleton ' + cls, 'aria-hidden': 'true' });
  const card = () => h('div', { class: 'card' }, block('line short'), h('div', { class: 'figures' }, [1, 2, 3, 4].map(() => block('tile'))));
  const rows = () => h('div', { class: 'card' }, block('line short'), [1, 2, 3, 4, 5, 6].map(() => block('line')));
  const parts = view === 'overview' ? [card(), card()] : view === 'trends' ? [h('div', { class: 'card' }, block('chart')), h('div', { class: 'card' }, block('chart'))] : [rows()];
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'visually-hidden' }, 'Loading…'), parts);
}

// The error card with a retry button.
export function errorCard(message, retry) {
  return h('div', { class: 'card error-card', role: 'alert' },
    h('h1', {}, 'Could not load this view'),
    h('p', { class: 'error' }, message),
    h('button', { type: 'button', class: 'primary retry', onclick: retry }, 'Retry'));
}

// "No deploys between … and …" (and no band).
export function emptyWindow(rangeLabel, what = 'No deploys') {
  return h('p', { class: 'empty-window muted' }, `${what} between ${rangeLabel}.`);
}
