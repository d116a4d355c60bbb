/**
 * The table of the ApiKeyStore (migration `0025_api_keys` in api-key-migration.ts), joined to
 * the main schema with `db.withTables` in api-keys.ts. Times are epoch ms.
 */

export interface ApiKeyTable {
  /** 16 hex digits. */
  id: string;
  name: string;
  /** sha256 of the secret, hex. */
  hash: string;
  /** NULL: every target. */
  target: string | null;
  created_at: number;
  /** NULL while in force. */
  revoked_at: number | null;
  created_by: string;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type ApiKeySchema = { api_keys: ApiKeyTable };
