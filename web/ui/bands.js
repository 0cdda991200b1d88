// The four DORA figures: their definitions (docs/reference/definitions.md, behind each
// figure's "?" button) and the performance bands, also drawn as guides on the trend charts. Thresholds and their source: docs/dashboard.md.

const HOUR = 3600;
const DAY = 86400;

export const FIGURES = [
  {
    key: 'deploys_per_day',
    name: 'Deployment frequency',
    better: 'higher',
    definition:
      'Succeeded deploys ÷ days in the window (whether or not later blamed). ' +
      'Shown with the number of deploys and of UTC days with at least one.',
    value: (m) => m.deploys_per_day,
    // deploys per day: elite on demand (daily or more), high weekly, medium monthly.
    band: (v) => (v >= 1 ? 'elite' : v >= 1 / 7 ? 'high' : v >= 1 / 30 ? 'medium' : 'low'),
    // Guides in the chart's unit (deploys per day).
    guides: [[1, 'elite ≥ 1/day'], [1 / 7, 'high ≥ 1/week'], [1 / 30, 'medium ≥ 1/month']],
  },
  {
    key: 'lead_time_median',
    name: 'Lead time for changes',
    better: 'lower',
    definition:
      'Per commit: deployed_at of the first succeeded deploy that shipped it minus its authored time. ' +
      'Median (and p90) over the commits first shipped in the window.',
    value: (m) => (m.lead_time_seconds ? m.lead_time_seconds.median : null),
    band: (v) => (v < DAY ? 'elite' : v < 7 * DAY ? 'high' : v < 30 * DAY ? 'medium' : 'low'),
    guides: [[24, 'elite < 1 day'], [168, 'high < 1 week'], [720, 'medium < 30 days']],  // hours
  },
  {
    key: 'change_failure_rate',
    name: 'Change failure rate',
    better: 'lower',
    definition:
      'Deploys with a failure (failed, rolled back over, or blamed for an incident) ÷ (succeeded + failed deploys).',
    value: (m) => m.change_failure_rate,
    band: (v) => (v <= 0.15 ? 'elite' : v <= 0.3 ? 'high' : v <= 0.45 ? 'medium' : 'low'),
    guides: [[15, 'elite ≤ 15 %'], [30, 'high ≤ 30 %'], [45, 'medium ≤ 45 %']],  // percent
  },
  {
    key: 'time_to_restore_median',
    name: 'Time to restore',
    better: 'lower',
    definition:
      'Per failure: failed deploy → next succeeded deploy; incident → closed; rollback → the rollback. ' +
      'Median over the failures restored in the window.',
    value: (m) => (m.time_to_restore_seconds ? m.time_to_restore_seconds.median : null),
    band: (v) => (v < HOUR ? 'elite' : v < DAY ? 'high' : v < 7 * DAY ? 'medium' : 'low'),
    guides: [[1, 'elite < 1 hour'], [24, 'high < 1 day'], [168, 'medium < 1 week']],  // hours
  },
];

export const BAND_ORDER = ['elite', 'high', 'medium', 'low'];

// The overall band: the weakest of the figures that have a value.
export function overallBand(bands) {
  const known = bands.filter(Boolean);
  if (!known.length) return null;
  return known.reduce((a, b) => (BAND_ORDER.indexOf(b) > BAND_ORDER.indexOf(a) ? b : a));
}
