/**
 * The public surface of src/ingest: bringing an index's existing history into a log — reading PyPI JSON API
 * and PEP 691 documents as backfill submissions, sending them in resumable, verified batches, and writing
 * synthetic corpora for tests and benchmarks. Node-side (files, the HTTP client). Import from here, not from
 * the files behind it.
 *
 *   pypi.ts      PyPI JSON API / PEP 691 documents → backfill records; reading sources
 *   backfill.ts  the resumable batch sender, its state file and the multi-proof check
 *   corpus.ts    a synthetic PyPI-like corpus
 */
export { readDocuments, recordsFromDocument, versionFromFilename } from './pypi.ts';
export type { BackfillRecord, ParsedDocument, Skipped } from './pypi.ts';
export { STATE_FORMAT, backfill, loadState, multiproofChecker } from './backfill.ts';
export type { BackfillOptions, BackfillProgress, BackfillState, BackfillSummary } from './backfill.ts';
export { syntheticCorpus } from './corpus.ts';
export type { CorpusOptions } from './corpus.ts';
