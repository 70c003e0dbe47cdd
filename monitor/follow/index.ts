/**
 * monitor/follow: following and auditing one log over tlog-tiles (follow.ts), its records in the store
 * (records.ts), and the entry bundles it reads, in this thread (bundles.ts) or a worker (bundleworker.ts,
 * bundlethread.ts). This file is the folder's public surface.
 */
export { CHUNK_LEAVES, Follower, type FollowerDeps, type PassResult } from './follow.ts';
export { BundleStream, ChainedSource, type BundleFetcher, type BundleRange, type BundleSource, type HashedBundle } from './bundles.ts';
export { WorkerBundleStream, openBundles, type BundleWork } from './bundleworker.ts';
