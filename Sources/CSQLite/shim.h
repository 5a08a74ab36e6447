#include <sqlite3.h>

/* sqlite3_db_config is variadic, which Swift cannot call. */
static inline int ws_sqlite3_checkpoint_on_close(sqlite3 *db, int enabled) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, enabled ? 0 : 1, (int *)0);
}

/* sqlite3_config is variadic too. Memory statistics take a global mutex on every allocation;
   WarehouseSync never reads them. Must run before SQLite initializes (the first open). */
static inline int ws_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Statement journals (the pages a statement inside a transaction changes, kept to undo that statement
   alone) stay in memory up to `bytes`. Must run before SQLite initializes (the first open). */
static inline int ws_sqlite3_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}
