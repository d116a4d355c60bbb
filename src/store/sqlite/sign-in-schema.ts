/**
 * The tables of the SignInStore (migration `0034_sign_in` in sign-in-migration.ts), joined to
 * the main schema with `db.withTables` in sign-in.ts. Times are epoch ms; hashes are sha256 hex.
 */

export interface SignInCodeTable {
  code_hash: string;
  /** 'read' | 'admin'. */
  role: string;
  created_at: number;
  expires_at: number;
  /** NULL until exchanged; a used code is refused. */
  used_at: number | null;
}

export interface SessionTable {
  /** 16 hex digits. */
  id: string;
  secret_hash: string;
  role: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end. */
  expires_at: number;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type SignInSchema = { sign_in_codes: SignInCodeTable; sessions: SessionTable };
