/**
 * The single place the shard loads every typed command from: importing this module
 * registers all of them (`shard/execute-typed.ts` does). Each type module exports its
 * definitions and adds ONE line here: `registerTypedCommands(<TYPE>_COMMANDS);` (plus
 * its import). May import only files of `store/typed`.
 */

import { registerTypedCommands } from './typed-command';
import { HASH_COMMANDS } from './hash';
import { SET_COMMANDS } from './set';
import { HLL_COMMANDS } from './hll';
import { STRING_COMMANDS } from './string';
import { LIST_COMMANDS } from './list';
import { ZSET_COMMANDS } from './zset';

registerTypedCommands(HASH_COMMANDS);
registerTypedCommands(SET_COMMANDS);
registerTypedCommands(HLL_COMMANDS);
registerTypedCommands(STRING_COMMANDS);
registerTypedCommands(LIST_COMMANDS);
registerTypedCommands(ZSET_COMMANDS);

export { typedCommand } from './typed-command';
export type { TypedCommandDefinition, TypedCommandContext, TypedCommandResult, TypedReply } from './typed-command';
