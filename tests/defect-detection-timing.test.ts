// The deliberate defects caught by a provider's timing (the system test: retries that do not back
// off, give up early, or hammer the C&A), played one at a time so that no other play in this
// process delays the timers they are judged by; see defect-detection.test.ts for the others.
// @judges-timing: the test runner keeps this file at the normal CPU priority, the others below it.
import { test } from 'uvu';
import { defectTests, judgesTiming, rehearsed } from './helpers/defects.js';

defectTests(rehearsed.filter(judgesTiming), 1);

test.run();
