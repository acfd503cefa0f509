// The provider's own pension records: in real life its administration system; here, the records of
// cda-sim's test data pack (DESIGN §3 "Test data"), loaded at start. Looked up by asset GUID, the
// second half of a PeI (pdp-protocol §5.2), which is what a view request names.
import type { PensionRecord, TestDataPack } from '../testdata/records.js';
import { isGuid } from './http.js';

export class RecordBook {
  private readonly byAsset = new Map<string, PensionRecord>();
  readonly records: readonly PensionRecord[];
  readonly holdernameGuids: string[];

  constructor(pack: TestDataPack) {
    for (const r of pack.records) {
      if (!isGuid(r.holdernameGuid) || !isGuid(r.assetGuid)) {
        throw new Error(`record "${r.recordId}": holdernameGuid and assetGuid must be GUIDs (8-4-4-4-12 hex) to form a PeI`);
      }
      const key = r.assetGuid.toLowerCase();
      const other = this.byAsset.get(key);
      // One asset GUID is one pension for one person: two records cannot share it.
      if (other) throw new Error(`records "${other.recordId}" and "${r.recordId}" share the asset GUID ${r.assetGuid}`);
      this.byAsset.set(key, r);
    }
    this.records = pack.records;
    this.holdernameGuids = [...new Set([...pack.holdernames.map((h) => h.holdernameGuid), ...pack.records.map((r) => r.holdernameGuid)])];
  }

  byAssetGuid(assetGuid: string): PensionRecord | undefined {
    return this.byAsset.get(assetGuid.toLowerCase());
  }
}
