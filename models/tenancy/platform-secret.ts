import mongoose, { Schema } from 'mongoose';

/** Platform-level secrets kept only as hashes (the generated platform key). */
export interface PlatformSecretDoc {
  _id: string;
  hash: string;
  createdAt: Date;
}

const schema = new Schema<PlatformSecretDoc>(
  { _id: { type: String, required: true }, hash: { type: String, required: true } },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, autoIndex: false },
);

export const PlatformSecretModel = mongoose.model<PlatformSecretDoc>('PlatformSecret', schema, 'platform_secrets');
