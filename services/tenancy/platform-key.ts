import { PlatformSecretModel } from '../../models/tenancy/platform-secret';
import { hashKey, issuePlatformKey } from '../../domain/tenancy/api-key-format';
import { isDuplicateKey } from '../../platform/store-errors';

/**
 * The platform key manages tenants. It comes from TRELLIS_PLATFORM_KEY, or is generated on the
 * first start, printed once and kept only as a hash.
 */
export class PlatformKey {
  private cached?: string;

  constructor(private readonly configured?: string) {}

  async hash(): Promise<string | undefined> {
    if (this.configured) return hashKey(this.configured);
    if (this.cached) return this.cached;
    const stored = await PlatformSecretModel.findOne({ _id: 'platform-key' }).lean();
    this.cached = stored?.hash;
    return this.cached;
  }

  /** Generates the key if none exists yet; returns the plaintext only when it was just created. */
  async ensure(): Promise<string | undefined> {
    if (this.configured) return undefined;
    if (await this.hash()) return undefined;
    const plaintext = issuePlatformKey();
    try {
      await PlatformSecretModel.create({ _id: 'platform-key', hash: hashKey(plaintext) });
    } catch (err) {
      if (isDuplicateKey(err)) return undefined;
      throw err;
    }
    this.cached = hashKey(plaintext);
    return plaintext;
  }
}
