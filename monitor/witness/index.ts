/**
 * monitor/witness: the monitor as a C2SP tlog-witness (witness.ts) and its gossip with peer monitors
 * (gossip.ts), both serialised per log by a keyed mutex (mutex.ts). This file is the folder's public surface.
 */
export { Witness, type WitnessAnswer, type WitnessOptions } from './witness.ts';
export { Gossip, type GossipDeps, type GossipItem, type GossipOutcome } from './gossip.ts';
