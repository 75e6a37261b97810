import GRDB

extension Database {
    /// Executes one statement compiled once per connection and then reused: the per-message path of
    /// every service runs the same few statements thousands of times a second, and compiling one costs
    /// more than running it (SQLite's parser, GRDB's authorizer).
    public func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The cached statement for `sql`, for fetching (`Row.fetchOne(db.cached(sql), arguments: …)`).
    public func cached(_ sql: String) throws -> Statement {
        try cachedStatement(sql: sql)
    }
}
