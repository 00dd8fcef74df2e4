// The ledger's SqlStore in Node, on sql.js (SQLite compiled to WebAssembly):
// the soak and the benchmark run the real ledger code outside workerd. It
// follows the Durable Object API the ledger uses: exec() with bound values,
// a cursor with toArray() and rowsWritten, and transactionSync().

import initSqlJs from 'sql.js';
import type { SqlCursor, SqlStore, SqlValue } from '../src/ledger/storage';

export async function sqlJsStore(): Promise<SqlStore & { rowsWritten: () => number }> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  let written = 0;
  let depth = 0;
  return {
    rowsWritten: () => written,
    exec<T extends Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T> {
      const statement = db.prepare(query);
      const rows: T[] = [];
      try {
        statement.bind(bindings as never);
        while (statement.step()) rows.push(statement.getAsObject() as T);
      } finally {
        statement.free();
      }
      const changed = /^\s*(INSERT|UPDATE|DELETE)/i.test(query) ? db.getRowsModified() : 0;
      written += changed;
      return { toArray: () => rows, rowsWritten: changed, rowsRead: rows.length };
    },
    transactionSync<T>(closure: () => T): T {
      // Nested calls join the outer transaction, as in Durable Objects.
      if (depth > 0) return closure();
      depth++;
      db.run('BEGIN');
      try {
        const result = closure();
        db.run('COMMIT');
        return result;
      } catch (error) {
        db.run('ROLLBACK');
        throw error;
      } finally {
        depth--;
      }
    },
  };
}
