/**
 * monitor/findings: what the monitor reports. Alerts and their sinks (alerts.ts), self-contained evidence
 * against a log and its verification (evidence.ts, with node proofs in nodeproof.ts), and the store of evidence
 * files (evidencelog.ts). This file is the folder's public surface.
 */
export { Alerter, stderrSink, webhookSink, type Alert, type AlertSink, type AlertType } from './alerts.ts';
export {
  EVIDENCE_TYPE,
  checkConsistency,
  isEvidenceRejection,
  pairId,
  rollbackEvidence,
  rollbackId,
  verifyEvidence,
  type ConsistencyResult,
  type Evidence,
  type EvidenceKind,
  type EvidenceNode,
  type SignedCheckpoint,
  type VerifiedEvidence,
  type VerifyEvidenceOptions,
} from './evidence.ts';
export { EvidenceLog } from './evidencelog.ts';
export { nodeProofFromLeafProof, rootFromNodeProof, type NodeId } from './nodeproof.ts';
