import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-passwords list shipped with @zxcvbn-ts/language-common (about 49,000 passwords
 * from public breach corpora, maintained by the zxcvbn-ts project). Compared case-insensitively,
 * as Django's CommonPasswordValidator does.
 */
let commonPasswords: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()));
  return commonPasswords.has(password.trim().toLowerCase());
}
