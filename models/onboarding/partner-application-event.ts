import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { HistoryEntry } from '../../domain/onboarding/state';
import type { ApplicationDecision, ApplicationReminder } from './partner-application';

/**
 * One entry of an application's history, as its own document. The unique (tenantId,
 * applicationId, seq) index decides whether an entry is already recorded: a retried or
 * concurrent write of the same entry fails on the index instead of appending it twice (the
 * local store's conditional updates are not compare-and-set). The application's history,
 * reminders and review decisions are projected from these.
 */
export interface PartnerApplicationEventDoc {
  _id: string;
  tenantId: string;
  applicationId: string;
  seq: number;
  entry: HistoryEntry;
  reminder?: ApplicationReminder;
  decision?: ApplicationDecision;
  createdAt: Date;
}

const ActorSchema = new Schema({ type: { type: String }, id: String, role: String }, { _id: false });

const schema = new Schema<PartnerApplicationEventDoc>(
  {
    _id: { type: String, required: true },
    applicationId: { type: String, required: true },
    seq: { type: Number, required: true },
    entry: { type: new Schema({ seq: Number, at: String, step: String, event: String, detail: String, actor: ActorSchema }, { _id: false }), required: true },
    reminder: { type: new Schema({ step: String, to: String, at: Date }, { _id: false }), default: undefined },
    decision: { type: new Schema({ round: Number, decision: String, reason: String, by: String, role: String, at: Date }, { _id: false }), default: undefined },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, applicationId: 1, seq: 1 }, { unique: true });

export const PartnerApplicationEventModel = tenantModel<PartnerApplicationEventDoc>('PartnerApplicationEvent', schema, 'partner_application_events');
