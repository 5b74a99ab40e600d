// The display name a person joined with, remembered on this device so the
// join form has it next time. A name is not a secret (everyone in the
// meeting sees it); the password is never kept anywhere.
import { NAME_MAX_LENGTH } from '../join-gate/join-gate.js';

const KEY = 'secure-meeting:name';

/** The name used here last time; '' when none, or storage is unavailable. */
export function rememberedName(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): string {
  try {
    const name = storage?.getItem(KEY) ?? '';
    return name.trim().length > 0 && name.length <= NAME_MAX_LENGTH ? name : '';
  } catch {
    return '';
  }
}

/** Remembers the name; a browser that refuses storage (private mode, quota) just does not remember. */
export function rememberName(name: string, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, name);
  } catch {
    // Not remembered; the form is simply empty next time.
  }
}
