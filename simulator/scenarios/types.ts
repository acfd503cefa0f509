// Scenario files (scenarios/*.json) are data: test cases with stable ids, the rule each checks and
// where the rule comes from, the steps to play and the expectations to judge. The vocabulary of
// steps and checks is fixed in actions.ts and checks.ts.

export interface ScenarioFile {
  id: string;
  title: string;
  /** Which phase of PDP testing this rehearses, e.g. "connection-proving". */
  phase: string;
  description?: string;
  /**
   * How many groups of test cases (a case with steps and the step-less cases judged on them) may
   * play at once; groups that share a test user or a name still play one after another. Default 1.
   */
  concurrency?: number;
  testCases: TestCaseSpec[];
}

export interface TestCaseSpec {
  /** Stable id, e.g. CP-01: reports, issues and CI history refer to it. */
  id: string;
  title: string;
  /** The rule, in plain words. */
  rule: string;
  /** Where the rule comes from (a reference section or a regulation). */
  reference: string;
  /**
   * Set when the expected outcome rests on a matching choice PDP leaves to each provider (which
   * keys, which together make a match): the matching rule the case assumes, in plain words. Only
   * such a case may be marked not applicable by the provider's config (`matchingPolicy`).
   */
  policyDependent?: string;
  steps?: StepSpec[];
  expect: ExpectSpec[];
}

export type StepSpec =
  /**
   * Send a find request for a test user; name it `as`. Broken: a named `variant`, or one `flaw` of
   * one `token` (user_token or find_request_token; `claim` names the claim a missing-claim leaves out).
   */
  | { do: 'find'; user: string; as: string; variant?: string; token?: string; flaw?: string; claim?: string }
  /** Wait until the provider has registered what the find should produce, or gone quiet. */
  | { do: 'await-matching'; find: string }
  /**
   * View the find's n-th expected PeI (full dance, its first leg with the Authorization header
   * `firstLeg` names: no-header by default, empty-bearer, other-scheme), or present the RPT another view obtained.
   */
  | { do: 'view'; find: string; record?: number; as: string; rptFrom?: string; firstLeg?: string }
  | StageStepSpec
  | SystemStepSpec;

export type ExpectSpec =
  | { check: 'find-acknowledged'; find: string }
  | { check: 'find-refused'; find: string }
  | { check: 'pat-obtained'; find: string }
  | { check: 'registered-as-expected'; find: string }
  | { check: 'no-registration'; find: string }
  /** No C&A call at all was caused by the find (its user token at /token, its request id anywhere). */
  | { check: 'no-ca-call'; find: string }
  | { check: 'view-challenged'; view: string }
  | { check: 'rpt-issued'; view: string }
  | { check: 'view-introspected'; view: string }
  | { check: 'view-data-valid'; view: string }
  | { check: 'no-view-data'; view: string }
  | { check: 'no-unexpected-calls' }
  | { check: 'fresh-request-ids' }
  | StageExpectSpec
  | SystemExpectSpec;

/** Integration Stage 1 and Stage 2 steps (stage-actions.ts). */
export type StageStepSpec =
  /** Make the C&A's next /introspect for this user's PAT answer an inconsistent fixture body or an error status. */
  | { do: 'introspection-fault'; user: string; fixture?: string; status?: number }
  /** The full view dance for an asset GUID this user does not have (no provider holds it). */
  | { do: 'view-unknown-asset'; user: string; as: string }
  /** The full view dance for a user's n-th expected PeI, found from the test data rather than a find of this run. */
  | { do: 'view-pei'; user: string; record?: number; as: string }
  /** Wait until every call the update file asks for has reached the C&A, or the update window passes. */
  | { do: 'await-updates' };

export type StageExpectSpec =
  | { check: 'no-duplicate-pei'; find: string }
  | { check: 'view-refused'; view: string; statuses: number[]; introspected?: boolean }
  | { check: 'view-not-found'; view: string }
  | { check: 'slow-views-reportable' }
  | { check: 'update-applied'; user: string }
  | { check: 'nothing-else-changed' }
  | { check: 'pei-gone'; user: string; view: string };

/**
 * A test case's verdict. `not-run`: the run was asked to play it but stopped (paused after Stage 1,
 * interrupted, or the environment failed) before it was played. `not-applicable`: the provider's
 * config marks the case as depending on a matching policy it does not follow; shown in every report.
 */
export type Verdict = 'pass' | 'fail' | 'error' | 'not-run' | 'not-applicable';

export interface ExchangeSummary {
  time: string;
  direction: 'in' | 'out';
  role: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestId?: string;
}

/**
 * What decided a verdict: for a failure, the first violation of the first check that failed (not
 * the first check's words) and the exchange that broke the rule; for a pass, the note of the check
 * the case is about (its last); otherwise the one reason there is.
 */
export interface Decision {
  /** The check (scenario vocabulary) that decided, e.g. "no-view-data"; empty when no check did. */
  check: string;
  reason: string;
  /** The exchange that broke the rule (or, for a pass, the one the deciding check judged last). */
  exchange?: ExchangeSummary;
}

export interface TestCaseResult {
  id: string;
  title: string;
  rule: string;
  reference: string;
  scenario: string;
  phase: string;
  verdict: Verdict;
  /** Plain-words reasons: every violation found, or what passed. */
  reasons: string[];
  /** The reason that decided the verdict, and its exchange (absent from results of older versions). */
  decision?: Decision;
  exchanges: ExchangeSummary[];
  startedAt: string;
  durationMs: number;
}

// The system test's steps (played in system-actions.ts) and checks (judged in system-checks.ts).

export type SystemStepSpec =
  /** Add a C&A fault rule (as the admin API takes it); `user` is a test user id, `forMs` a time span from now. */
  | { do: 'fault'; endpoint: string; status?: number; fixture?: string; delayMs?: number; count?: number; forMs?: number; user?: string; retryAfterSeconds?: number; code?: string }
  /** Remove every fault rule. */
  | { do: 'clear-faults' }
  /** Wait until the find's registrations arrived, or the provider has been quiet long enough to have given up. */
  | { do: 'await-settled'; find: string; quietMs?: number }
  /** Send finds for a person the broken way a fault names; the first is named `as`, the others `as-2`, `as-3`… */
  | { do: 'driver-fault'; fault: string; user: string; as: string; delayMs?: number; count?: number }
  /** Connect with an expired, foreign-CA or no client certificate to the provider's find or view endpoint, or to cda-sim's own C&A. */
  | { do: 'tls-probe'; target: 'find' | 'view' | 'ca'; cert: ClientCertChoice; as: string; user?: string }
  /** Have the provider apply Stage 2 update instructions (for a user's first pension), all at once, and wait until it has. */
  | { do: 'update'; updates: { user: string; action: string; as: string }[] };

export type ClientCertChoice = 'expired' | 'foreign' | 'no-client-auth' | 'rsa-1024' | 'none';
export const CLIENT_CERT_CHOICES: readonly ClientCertChoice[] = ['expired', 'foreign', 'no-client-auth', 'rsa-1024', 'none'];

export type RetryEndpoint = 'token' | 'rreguri-post' | 'rreguri-patch' | 'rreguri-delete';

/** What caused the calls judged: a find (token, registration) or a Stage 2 update (PATCH, DELETE). */
export type Cause = { find: string; update?: undefined } | { update: string; find?: undefined };

export type SystemExpectSpec =
  /** After the injected `status`, the provider retried: spacing grows (5xx), Retry-After honoured (429), bounded, then success. */
  | ({ check: 'retried'; endpoint: RetryEndpoint; status: number; maxAttempts?: number; minGapMs?: number } & Cause)
  /** After the first `status`, the provider made no further call to the endpoint for this find or update. */
  | ({ check: 'stopped'; endpoint: RetryEndpoint; status: number } & Cause)
  /** After a 401, at most one more attempt, and only with a PAT exchanged again in between. */
  | ({ check: 'refusal-handled'; endpoint: RetryEndpoint; status: number } & Cause)
  /** No PAT could be had for the find's user token, and nothing was registered from the find. */
  | { check: 'no-registration-without-pat'; find: string; maxAttempts?: number }
  /** /perm or /introspect failed while the view was answered, and the view returned no data. */
  | { check: 'no-data-on-ca-failure'; view: string; endpoint: 'perm' | 'introspect' }
  /** A connection with a bad client certificate was refused (handshake, or 401/403 with nothing done). */
  | { check: 'mtls-refused'; probe: string }
  /** Every registration since the find succeeded, and the C&A holds one live PeI per expected name. */
  | { check: 'registered-once'; find: string };
