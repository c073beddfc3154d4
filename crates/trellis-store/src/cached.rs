//! The write paths run the same few statements once per change; preparing them afresh
//! each time was a quarter of a first pull's time, so they come from the connection's
//! statement cache instead.

use rusqlite::{Connection, Params, Row};

/// Statements the connection keeps prepared: more than the write paths use, so none is
/// pushed out by another within one page.
pub(crate) const CAPACITY: usize = 128;

pub(crate) trait Cached {
    /// `execute` with a cached statement.
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row` with a cached statement.
    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
