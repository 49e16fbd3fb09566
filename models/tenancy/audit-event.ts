import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * One state change. `seq` numbers a tenant's events without gaps and `hash` covers the event and
 * the previous event's hash, so altering or removing any record breaks the chain visibly.
 */
export interface AuditActor {
  type: 'platform' | 'api-key' | 'system' | 'public';
  id: string;
  role?: string;
}

export interface AuditEventDoc {
  _id: string;
  tenantId: string;
  seq: number;
  at: Date;
  actor: AuditActor;
  action: string;
  entity: { type: string; id: string };
  /** JSON text, so free-form details are stored as data and never read as query operators. */
  data: string;
  requestId?: string;
  /** Makes retried activities write an event once. */
  eventKey: string;
  prevHash: string;
  hash: string;
}

const schema = new Schema<AuditEventDoc>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
    actor: { type: { type: String, required: true }, id: { type: String, required: true }, role: String },
    action: { type: String, required: true },
    entity: { type: { type: String, required: true }, id: { type: String, required: true } },
    data: { type: String, required: true },
    requestId: String,
    eventKey: { type: String, required: true },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, seq: 1 }, { unique: true });
schema.index({ tenantId: 1, eventKey: 1 }, { unique: true });
schema.index({ tenantId: 1, 'entity.type': 1, 'entity.id': 1, seq: 1 });
schema.index({ tenantId: 1, action: 1, seq: 1 });

export const AuditEventModel = tenantModel<AuditEventDoc>('AuditEvent', schema, 'audit_events');
