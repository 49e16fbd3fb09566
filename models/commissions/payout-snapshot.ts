import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The inputs of a payout run, frozen before anything is calculated, in two kinds of document so
 * neither the snapshot nor the calculation ever holds the whole period at once:
 *
 *  - one header per run (`payout_snapshots`, id = run id): what every partner's statement is
 *    computed with (period, plan version and definition, currency, rounding, FX rates), the
 *    partner batches in order with their sizes and hashes, and the run's hash over all of it.
 *  - one chunk per batch of partners (`payout_snapshot_chunks`): everything keyed by partner for
 *    those partners (deals, reversals, tiers, carried forward, notes, what earlier runs paid,
 *    holds; see PartnerBatchInputs in services/commissions/payout-snapshot.ts).
 *
 * The header is written last and only once (insert on its id), so a header means a complete
 * snapshot; the chunks it names are the ones of its `generation` (the attempt that wrote them),
 * and chunks an interrupted attempt left behind are never read and are deleted once it is frozen.
 */
export interface SnapshotChunkRef {
  index: number;
  partners: number;
  hash: string;
}

export interface PayoutSnapshotDoc {
  _id: string;
  tenantId: string;
  /** sha256 over the common inputs and every chunk's hash, in chunk order. */
  hash: string;
  generation: number;
  /** The inputs shared by every partner (SnapshotCommon). */
  common: unknown;
  chunks: SnapshotChunkRef[];
  counts: { partners: number; deals: number; reversals: number };
  createdAt: Date;
}

export interface PayoutSnapshotChunkDoc {
  _id: string;
  tenantId: string;
  runId: string;
  generation: number;
  index: number;
  hash: string;
  /** PartnerBatchInputs as canonical JSON (one string: cheap to store and read, hashed as stored). */
  inputs: string;
  /** Copies of the chunk's holds and reopened payables, readable without the deals (what the review and the execution need). */
  holds: Record<string, string[]>;
  manualHolds?: Record<string, { reason: string; by: string; at: string }>;
  reopened?: { instructionId: string; runId: string; partnerId: string; amountMinor: number }[];
}

const schema = new Schema<PayoutSnapshotDoc>(
  {
    _id: { type: String, required: true },
    hash: { type: String, required: true },
    generation: { type: Number, required: true },
    common: { type: Schema.Types.Mixed, required: true },
    chunks: { type: Schema.Types.Mixed, required: true },
    counts: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, _id: 1 });

export const PayoutSnapshotModel = tenantModel<PayoutSnapshotDoc>('PayoutSnapshot', schema, 'payout_snapshots');

const chunkSchema = new Schema<PayoutSnapshotChunkDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    generation: { type: Number, required: true },
    index: { type: Number, required: true },
    hash: { type: String, required: true },
    inputs: { type: String, required: true },
    holds: { type: Schema.Types.Mixed, required: true },
    manualHolds: { type: Schema.Types.Mixed },
    reopened: { type: Schema.Types.Mixed },
  },
  { versionKey: false, minimize: false },
);
chunkSchema.index({ tenantId: 1, runId: 1, generation: 1, index: 1 }, { unique: true });

export const PayoutSnapshotChunkModel = tenantModel<PayoutSnapshotChunkDoc>('PayoutSnapshotChunk', chunkSchema, 'payout_snapshot_chunks');

export const snapshotChunkId = (runId: string, generation: number, index: number): string => `${runId}:${generation}:${index}`;
