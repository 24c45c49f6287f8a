/**
 * String commands that must refuse a key of another type without changing it, which the
 * memcached-shaped string ops cannot do in one op: run through the typed executor with
 * itemType string, so WRONGTYPE comes from the generic type check. May import only
 * `typed-command.ts` and `item-layout.ts` constants.
 */
import { ITEM_TYPE_STRING } from '../item-layout';
import { bulk, nullReply, type TypedCommandDefinition } from './typed-command';

/** GETDEL: the value (copied: the delete frees its chunk before the reply is encoded) and the key deleted. */
const getdel: TypedCommandDefinition = {
  name: '__getdel',
  itemType: ITEM_TYPE_STRING,
  write: true,
  run(current) {
    return current === null ? { reply: nullReply } : { reply: bulk(current.slice()), next: null };
  },
};

export const STRING_COMMANDS: readonly TypedCommandDefinition[] = [getdel];
