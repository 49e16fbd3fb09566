import { PlatformSecretModel } from './platform-secret';
import { isDuplicateKey } from '../../platform/store-errors';

/** Platform-level secrets, kept as hashes (not tenant-owned, so not a tenant-bound repository). */
export const platformSecrets = {
  async hashOf(name: string): Promise<string | undefined> {
    return (await PlatformSecretModel.findOne({ _id: name }).lean().exec())?.hash;
  },

  /** Stores the hash unless one exists; false when another process stored it first. */
  async createOnce(name: string, hash: string): Promise<boolean> {
    try {
      await PlatformSecretModel.create({ _id: name, hash });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  },
};
