// The reporting API's vocabulary (reporting API v2.1, reporting-api.md): the endpoint paths and the
// unavailable-view counters with the error code each answers. Wire facts both sides of the exchange
// share: cda-sim's reporting service and fault registry, and the reference provider that reports.

export type ReportingEndpoint =
  | 'service-availability/find'
  | 'service-availability/view'
  | 'view-response/request-number'
  | 'view-response/response-time'
  | 'view-response/calculations'
  | 'view-response/unavailable';

export const REPORTING_ENDPOINTS: ReportingEndpoint[] = [
  'service-availability/find',
  'service-availability/view',
  'view-response/request-number',
  'view-response/response-time',
  'view-response/calculations',
  'view-response/unavailable',
];

/** The counters of view-response/unavailable, each with the code a bad value gets. */
export const UNAVAILABLE_COUNTERS: Record<string, string> = {
  contact_count: 'INVALID_CONTACT_COUNT',
  missingadmin_count: 'INVALID_MISSINGADMIN_COUNT',
  temperror_count: 'INVALID_TEMPERROR_COUNT',
  eri_unavail_ano_count: 'INVALID_ERI_UNAVAIL_ANO_COUNT',
  eri_unavail_ppf_count: 'INVALID_ERI_UNAVAIL_PPF_COUNT',
  eri_unavail_trn_count: 'INVALID_ERI_UNAVAIL_TRN_COUNT',
  accrued_unavail_ano_count: 'INVALID_ACCRUED_UNAVAIL_ANO_COUNT',
  // Spec quirk, kept: not INVALID_ACCRUED_UNAVAIL_PPF_COUNT.
  accrued_unavail_ppf_count: 'INVALID_UNAVAIL_PPF_COUNT',
  accrued_unavail_trn_count: 'INVALID_ACCRUED_UNAVAIL_TRN_COUNT',
};

/** One error item of a reporting API problem answer (the harness's shape). */
export interface RuleViolation {
  /** INVALID_<FIELD>, INVALID_UNEXPECTED_FIELD or INVALID_REQUEST_BODY. */
  code: string;
  /** Where, e.g. "items[0].<guid>[3].unavail_reason". */
  field?: string;
  detail: string;
  /** Set when the rule broken is cda-sim's own (stricter than the reporting API document): why. */
  ownRule?: string;
}
