import Foundation
import GRDB
import Metrics
import Synchronization

/// Small writes of concurrent tasks committed together (group commit): each `write` waits its turn, and
/// all the writes that queued while a transaction ran go into the next one, each in its own savepoint. A
/// write that throws is rolled back to its savepoint and gets its error; the others commit. Each caller
/// resumes only after the transaction holding its write has committed, or with the commit's error.
///
/// For work that finishes in bursts and writes a little each time (a batch of notifications delivered at
/// once): one transaction and one sync of the write-ahead log for the burst instead of one per write.
public final class GroupCommit: Sendable {
    private struct Job: Sendable {
        /// Applies the write in a savepoint and keeps its result.
        let apply: @Sendable (Database) -> Void
        /// Resumes the caller: with the kept result after the commit, or with the commit's error.
        let complete: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var queued: [Job] = []
        var writing = false
        var transactions = 0
    }

    /// A write's result, kept from its savepoint until its transaction has committed.
    private final class Kept<T: Sendable>: Sendable {
        let value = Mutex<Result<T, any Error>?>(nil)
    }

    private let database: any DatabaseWriter
    private let state = Mutex(State())
    private let transactionsCounter: Counter
    private let writesCounter: Counter

    /// `name` labels the metrics (`minsheng_group_commit_transactions_total`, `…_writes_total`): their
    /// ratio is how many writes a transaction carried.
    public init(database: any DatabaseWriter, name: String) {
        self.database = database
        transactionsCounter = Counter(label: "minsheng_group_commit_transactions_total", dimensions: [("writer", name)])
        writesCounter = Counter(label: "minsheng_group_commit_writes_total", dimensions: [("writer", name)])
    }

    /// Writes waiting for the next transaction.
    public var queuedCount: Int { state.withLock { $0.queued.count } }

    /// Transactions committed or tried so far.
    public var transactionCount: Int { state.withLock { $0.transactions } }

    /// Runs `body` in a savepoint of the next group transaction and returns its result once that
    /// transaction has committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = Kept<T>()
            let job = Job(
                apply: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        result.value.withLock { $0 = value.map { .success($0) } }
                    } catch {
                        result.value.withLock { $0 = .failure(error) }
                    }
                },
                complete: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else if let outcome = result.value.withLock({ $0 }) {
                        continuation.resume(with: outcome)
                    } else {
                        continuation.resume(throwing: CancellationError())
                    }
                })
            let startsWriter = state.withLock { state -> Bool in
                state.queued.append(job)
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startsWriter { Task { await self.drain() } }
        }
    }

    /// Commits what is queued, again and again, until nothing is.
    private func drain() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                let jobs = state.queued
                state.queued = []
                if jobs.isEmpty { state.writing = false } else { state.transactions += 1 }
                return jobs
            }
            guard !jobs.isEmpty else { return }
            transactionsCounter.increment()
            writesCounter.increment(by: jobs.count)
            do {
                try await database.write { db in
                    for job in jobs { job.apply(db) }
                }
                for job in jobs { job.complete(nil) }
            } catch {
                for job in jobs { job.complete(error) }
            }
        }
    }
}
