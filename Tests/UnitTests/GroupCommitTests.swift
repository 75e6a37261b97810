import Foundation
import GRDB
import MinshengPlatform
import Synchronization
import Testing

/// Writes that queue while a transaction runs are committed together, each in its own savepoint.
@Suite("Group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable {}

    final class Flag: Sendable {
        let raised = Mutex(false)
    }

    func database() throws -> DatabaseQueue {
        let database = try DatabaseQueue()
        try database.write { db in try db.execute(sql: "CREATE TABLE row (value INTEGER PRIMARY KEY)") }
        return database
    }

    /// Starts a write that holds its transaction open until `others` more writes are queued behind it
    /// (or five seconds pass), so they must share the next transaction.
    func holdFirst(_ committer: GroupCommit, until others: Int) async throws -> Task<Int, any Error> {
        let running = Flag()
        let first = Task {
            try await committer.write { db -> Int in
                running.raised.withLock { $0 = true }
                let deadline = Date().addingTimeInterval(5)
                while committer.queuedCount < others, Date() < deadline { usleep(1_000) }
                try db.execute(sql: "INSERT INTO row VALUES (0)")
                return 0
            }
        }
        while !running.raised.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        return first
    }

    @Test func writesQueuedDuringATransactionCommitTogetherAndEachGetsItsResult() async throws {
        let database = try database()
        let committer = GroupCommit(database: database, name: "test")
        let first = try await holdFirst(committer, until: 30)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for value in 1...30 {
                group.addTask {
                    try await committer.write { db in
                        try db.execute(sql: "INSERT INTO row VALUES (?)", arguments: [value])
                        return value * 10
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try await first.value == 0)
        #expect(results.sorted() == (1...30).map { $0 * 10 })
        #expect(try await database.read { db in try Int.fetchAll(db, sql: "SELECT value FROM row ORDER BY value") } == Array(0...30))
        #expect(committer.transactionCount == 2, "the 30 queued writes share one transaction")
    }

    @Test func aWriteThatThrowsIsRolledBackAloneAndGetsItsError() async throws {
        let database = try database()
        let committer = GroupCommit(database: database, name: "test")
        let first = try await holdFirst(committer, until: 6)
        let outcomes = await withTaskGroup(of: (Int, Result<Int, Refused>).self) { group in
            for value in 1...6 {
                group.addTask {
                    do {
                        let result = try await committer.write { db -> Int in
                            try db.execute(sql: "INSERT INTO row VALUES (?)", arguments: [value])
                            if value == 4 { throw Refused() }
                            return value
                        }
                        return (value, .success(result))
                    } catch {
                        return (value, .failure(Refused()))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Int, Refused>]()) { $0[$1.0] = $1.1 }
        }
        _ = try await first.value
        #expect(outcomes[4] == .failure(Refused()))
        for value in [1, 2, 3, 5, 6] { #expect(outcomes[value] == .success(value)) }
        #expect(try await database.read { db in try Int.fetchAll(db, sql: "SELECT value FROM row ORDER BY value") } == [0, 1, 2, 3, 5, 6])
        #expect(committer.transactionCount == 2)
    }

    @Test func writesOneAfterAnotherEachCommitAtOnce() async throws {
        let database = try database()
        let committer = GroupCommit(database: database, name: "test")
        for value in 1...3 {
            _ = try await committer.write { db in try db.execute(sql: "INSERT INTO row VALUES (?)", arguments: [value]) }
            #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM row") } == value)
        }
        #expect(committer.transactionCount == 3)
    }
}
