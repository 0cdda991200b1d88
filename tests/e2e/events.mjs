import { createHash } from 'node:crypto';

// Azure DevOps service-hook bodies for the dashboard test, shaped like real
// deliveries (see tests/fixtures/events/), placed relative to "now" so they
// fall into the dashboard's default windows.

export const PROJECT = { id: '1f2e3d4c-0000-4000-8000-000000000002', name: 'Contoso' };
const REPOS = {
  'web-api': '7a1b2c3d-0000-4000-8000-000000000001',
  billing: '7a1b2c3d-0000-4000-8000-000000000003',
};
const AUTHORS = [
  ['Ada Lovelace', 'ada@contoso.example'],
  ['Grace Hopper', 'grace@contoso.example'],
  ['Mira Okafor', 'mira.okafor@contoso.example'],
];

// A realistic-looking, stable 40-hex sha for commit number n (0: none).
export function sha(n) {
  return n === 0 ? '0'.repeat(40) : createHash('sha1').update(`commit ${n}`).digest('hex');
}

export function iso(ms) {
  return new Date(ms).toISOString();
}

let eventCounter = 0;
function eventId() {
  eventCounter += 1;
  return `e2e00000-0000-4000-8000-${String(eventCounter).padStart(12, '0')}`;
}

// A git.push moving refs/heads/main old -> new with `commits` (oldest first,
// each {n, authoredAt}); Azure DevOps lists them newest first.
export function push({ repo, pushId, oldSha, newSha, commits, at }) {
  return {
    id: eventId(),
    eventType: 'git.push',
    publisherId: 'tfs',
    resourceVersion: '1.0',
    createdDate: iso(at),
    resource: {
      commits: [...commits].reverse().map((c) => {
        const [name, email] = AUTHORS[c.n % AUTHORS.length];
        return {
          commitId: sha(c.n),
          author: { name, email, date: iso(c.authoredAt) },
          committer: { name, email, date: iso(c.authoredAt) },
          comment: `${c.summary || 'Change ' + c.n} (AB#${100 + c.n})`,
        };
      }),
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: sha(oldSha), newObjectId: sha(newSha) }],
      repository: { id: REPOS[repo], name: repo, project: PROJECT },
      pushedBy: { uniqueName: 'ada@contoso.example' },
      pushId,
      date: iso(at),
    },
  };
}

// A build.complete (resourceVersion 2.0) of `definition` on refs/heads/main.
export function build({ buildId, result, sourceSha, at, definition = 'web-api-ci', repo = 'web-api' }) {
  return {
    id: eventId(),
    eventType: 'build.complete',
    publisherId: 'tfs',
    resourceVersion: '2.0',
    createdDate: iso(at + 5000),
    resource: {
      id: buildId,
      buildNumber: `2026.${buildId}`,
      status: 'completed',
      result,
      finishTime: iso(at),
      definition: { id: 42, name: definition },
      project: PROJECT,
      sourceBranch: 'refs/heads/main',
      sourceVersion: sha(sourceSha),
      repository: { id: REPOS[repo], type: 'TfsGit', name: repo },
    },
  };
}

function bugFields(id, state, createdAt, changedAt) {
  return {
    'System.AreaPath': 'Contoso\\Web',
    'System.TeamProject': 'Contoso',
    'System.WorkItemType': 'Bug',
    'System.State': state,
    'System.CreatedDate': iso(createdAt),
    'System.ChangedDate': iso(changedAt),
    'System.Title': `Checkout fails with 503 (#${id})`,
    'System.Tags': 'incident; Sev 2',
  };
}

// An incident (Bug tagged "incident") created at `createdAt`.
export function incidentCreated({ id, createdAt }) {
  return {
    id: eventId(),
    eventType: 'workitem.created',
    publisherId: 'tfs',
    resourceVersion: '1.0',
    createdDate: iso(createdAt),
    resource: { id, rev: 1, fields: bugFields(id, 'Active', createdAt, createdAt), relations: [] },
  };
}

// The same incident moved to Resolved at `resolvedAt`.
export function incidentResolved({ id, createdAt, resolvedAt }) {
  return {
    id: eventId(),
    eventType: 'workitem.updated',
    publisherId: 'tfs',
    resourceVersion: '1.0',
    createdDate: iso(resolvedAt),
    resource: {
      id: 2,
      workItemId: id,
      rev: 2,
      fields: {
        'System.Rev': { oldValue: 1, newValue: 2 },
        'System.State': { oldValue: 'Active', newValue: 'Resolved' },
        'System.ChangedDate': { oldValue: iso(createdAt), newValue: iso(resolvedAt) },
      },
      revision: { id, rev: 2, fields: bugFields(id, 'Resolved', createdAt, resolvedAt) },
    },
  };
}

const PEOPLE = {
  ada: { displayName: 'Ada Lovelace', id: '5e0f1a2b-0000-4000-8000-00000000000a', uniqueName: 'ada@contoso.example' },
  mira: { displayName: 'Mira Okafor', id: '3f0c2d5e-8a41-4b7e-9c2d-6e1f0a9b8c7d', uniqueName: 'mira.okafor@contoso.example' },
};

// The resource of pull request `id` into refs/heads/main, opened at
// `openedAt`; completed at `closedAt` by the merge commit `mergeSha` when given.
function pullRequestResource({ repo, id, openedAt, closedAt, mergeSha, title }) {
  const r = {
    repository: { id: REPOS[repo], name: repo, project: PROJECT },
    pullRequestId: id,
    codeReviewId: id,
    status: closedAt ? 'completed' : 'active',
    createdBy: PEOPLE.ada,
    creationDate: iso(openedAt),
    title,
    sourceRefName: `refs/heads/feature/${id}`,
    targetRefName: 'refs/heads/main',
    mergeStatus: 'succeeded',
    reviewers: [],
    url: `https://dev.azure.com/contoso/_apis/git/repositories/${REPOS[repo]}/pullRequests/${id}`,
  };
  if (closedAt) {
    r.closedDate = iso(closedAt);
    r.lastMergeCommit = { commitId: sha(mergeSha) };
    r.completionOptions = { mergeStrategy: 'noFastForward' };
  }
  return r;
}

// git.pullrequest.merged: the pull request completed by `mergeSha`.
export function pullRequestMerged(pr) {
  return {
    id: eventId(),
    eventType: 'git.pullrequest.merged',
    publisherId: 'tfs',
    resourceVersion: '1.0',
    createdDate: iso(pr.closedAt + 1000),
    resource: pullRequestResource(pr),
  };
}

// A reviewer's comment on the pull request at `at` (the first review).
export function pullRequestComment(pr, at) {
  return {
    id: eventId(),
    eventType: 'ms.vss-code.git-pullrequest-comment-event',
    publisherId: 'tfs',
    resourceVersion: '1.0',
    createdDate: iso(at),
    resource: {
      comment: { id: 1, parentCommentId: 0, author: PEOPLE.mira, content: 'Looks good.', publishedDate: iso(at), lastUpdatedDate: iso(at), commentType: 'text' },
      pullRequest: pullRequestResource({ ...pr, closedAt: null }),
    },
  };
}

// The whole history, in delivery order (shuffled a little: order must not matter).
export function history(now) {
  const DAY = 86400000;
  const HOUR = 3600000;
  const events = [];
  let n = 1;       // commit / sha counter
  let pushId = 1;
  const deployed = [];  // web-api tips in order
  let tip = 0;
  // web-api production: a push every 2-4 days over the last 60 days.
  const days = [57, 52, 47, 41, 36, 33, 28, 25, 22, 19, 17, 14, 12, 9, 7, 5, 3, 2, 1];
  for (const d of days) {
    if (d === 9) {
      // A rollback 10 days ago: main forced back to the tip deployed 14 days
      // ago, so the deploy of 12 days ago counts as a failed change.
      const back = deployed.find((x) => x.day === 14);
      events.push(push({ repo: 'web-api', pushId: pushId++, oldSha: tip, newSha: back.sha, commits: [], at: now - 10 * DAY }));
      tip = back.sha;
    }
    const at = now - d * DAY + 3 * HOUR;
    const count = 1 + (d % 3);
    const commits = [];
    for (let i = 0; i < count; i++) {
      commits.push({ n, authoredAt: at - (count - i) * (5 + (d % 7) * 4) * HOUR });
      n += 1;
    }
    const newSha = n - 1;
    events.push(push({ repo: 'web-api', pushId: pushId++, oldSha: tip, newSha, commits, at }));
    // Most pushes complete a pull request (its merge commit is the new tip):
    // opened after its first commit, reviewed hours later, merged at the push.
    if (d % 4 !== 0) {
      const pr = { repo: 'web-api', id: 600 + d, openedAt: commits[0].authoredAt + 2 * HOUR, closedAt: at - 60000, mergeSha: newSha, title: `Change set of day ${d}` };
      events.push(pullRequestComment(pr, Math.round(pr.openedAt + (pr.closedAt - pr.openedAt) * (0.2 + (d % 5) * 0.1))));
      events.push(pullRequestMerged(pr));
    }
    tip = newSha;
    deployed.push({ sha: newSha, at, day: d });
  }
  // An incident 4 days ago (blames the deploy before it), resolved 5 h later.
  const createdAt = now - 4 * DAY - 6 * HOUR;
  events.push(incidentCreated({ id: 4790, createdAt }));
  events.push(incidentResolved({ id: 4790, createdAt, resolvedAt: createdAt + 5 * HOUR }));
  // web-api staging is build-triggered: CI builds of some of those shas, one failed.
  let buildId = 900;
  for (const x of deployed.filter((_, i) => i % 2 === 0)) {
    const failed = x.day === 17;
    events.push(build({ buildId: buildId++, result: failed ? 'failed' : 'succeeded', sourceSha: x.sha, at: x.at + HOUR }));
    if (failed) events.push(build({ buildId: buildId++, result: 'succeeded', sourceSha: x.sha, at: x.at + 4 * HOUR }));
  }
  let billingTip = 0;
  // billing production: many small pushes, so the deploy list pages past 50.
  for (let i = 0; i < 30; i++) {
    const at = now - (59 - i) * DAY + 15 * HOUR;
    const commits = [{ n: 7000 + n, authoredAt: at - (2 + (i % 5)) * HOUR, summary: `Billing tweak ${i}` }];
    n += 1;
    events.push(push({ repo: 'billing', pushId: pushId++, oldSha: billingTip, newSha: commits[0].n, commits, at }));
    billingTip = commits[0].n;
  }
  // billing production: a few pushes.
  for (const d of [26, 15, 8, 2]) {
    const at = now - d * DAY + 9 * HOUR;
    const commits = [{ n: 5000 + n, authoredAt: at - 20 * HOUR, summary: 'Invoice rounding' }, { n: 5001 + n, authoredAt: at - 3 * HOUR }];
    n += 2;
    events.push(push({ repo: 'billing', pushId: pushId++, oldSha: billingTip, newSha: commits[1].n, commits, at }));
    billingTip = commits[1].n;
  }
  // Deliver the work items first and one push late: arrival order must not matter.
  const late = events.splice(3, 1)[0];
  events.push(late);
  return events;
}
