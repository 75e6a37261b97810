import GRDB

extension DatabaseError {
    /// The database itself is in trouble (disk full, read-only, I/O error, locked, corrupt), not the
    /// message being applied: retrying later, once an operator fixed it, will succeed. A service holds
    /// back its input meanwhile instead of dead-lettering good messages. A constraint violation, by
    /// contrast, is about the data written and is treated like any handler error.
    public var isEnvironmental: Bool {
        switch resultCode.primaryResultCode {
        case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN,
             .SQLITE_CORRUPT, .SQLITE_NOMEM, .SQLITE_NOTADB, .SQLITE_PROTOCOL, .SQLITE_PERM, .SQLITE_AUTH,
             .SQLITE_NOLFS:
            true
        default:
            false
        }
    }
}

extension Error {
    /// Whether this is a database error that says the database, not the work, is in trouble.
    public var isEnvironmentalDatabaseError: Bool {
        (self as? DatabaseError)?.isEnvironmental ?? false
    }
}
