import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * An audit event promised for a state change that is written separately from it (the store has
 * no transactions). The entry is written before the change, the event appended after it, and the
 * entry removed; if the process dies in between, the relay (services/outbox.ts) looks for the
 * change (`checkModel` + `checkFilter`) and appends the event, or drops the entry when the change
 * never happened. One entry per (tenant, eventKey): the unique index makes staging idempotent.
 */
export interface AuditOutboxDoc {
  _id: string;
  tenantId: string;
  eventKey: string;
  /** The audit input as JSON text (free-form data is never read as query operators). */
  event: string;
  /** The tenant model whose document shows the change happened ('Tenant' for the tenant itself). */
  checkModel: string;
  /** The filter that finds it, as JSON text (it may hold operators). */
  checkFilter: string;
  createdAt: Date;
}

const schema = new Schema<AuditOutboxDoc>(
  {
    _id: { type: String, required: true },
    eventKey: { type: String, required: true },
    event: { type: String, required: true },
    checkModel: { type: String, required: true },
    checkFilter: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, eventKey: 1 }, { unique: true });
schema.index({ tenantId: 1, createdAt: 1 });

export const AuditOutboxModel = tenantModel<AuditOutboxDoc>('AuditOutbox', schema, 'audit_outbox');
