import { platformSecrets } from '../../models/tenancy/platform-secret-repository';
import { hashKey, issuePlatformKey } from '../../domain/tenancy/api-key-format';

const SECRET = 'platform-key';

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
    this.cached = await platformSecrets.hashOf(SECRET);
    return this.cached;
  }

  /** Generates the key if none exists yet; returns the plaintext only when it was just created. */
  async ensure(): Promise<string | undefined> {
    if (this.configured) return undefined;
    if (await this.hash()) return undefined;
    const plaintext = issuePlatformKey();
    if (!(await platformSecrets.createOnce(SECRET, hashKey(plaintext)))) return undefined;
    this.cached = hashKey(plaintext);
    return plaintext;
  }
}
