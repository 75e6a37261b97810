import Foundation
import GRDB
import Logging
import MinshengModel
import Synchronization

/// The recent reports of every town, in memory, for finding the few worth comparing with a new report
/// without reading the window (issue 8). Keyed by town, as repeats and hotspots are: a town's window can
/// be restored on its own (scale-out by town, issue 9).
///
/// SQLite stays the record. The index is rebuilt from `recent_event` at start-up, and it only ever
/// answers a **superset**: an entry whose insert was rolled back stays here until the detector, which
/// confirms every candidate against SQLite in its own transaction, finds no row and removes it. So a
/// rollback never changes an answer.
final class CandidateIndex: Sendable {
    struct Parameters: Sendable {
        /// Terms posted per report (its heaviest), besides its neighbours.
        var postedTerms = 24
        /// Terms of a new report looked up, besides its neighbours.
        var queryTerms = 16
        /// Newest postings read per term.
        var postingsPerTerm = 32

        /// For a similarity that uses problem types, more terms: the types can lift a pair whose words
        /// meet only in lighter terms above the threshold (up to `problemTypeBound` + 1 times what the
        /// words give), and 24 / 16 terms missed such pairs on the cluster sets where 32 / 24 find them
        /// all (docs/classification.md, "Problem types").
        init(for similarity: ClassificationSettings.Similarity) {
            if similarity.usesProblemTypes {
                postedTerms = 32
                queryTerms = 24
            }
        }

        init(postedTerms: Int = 24, queryTerms: Int = 16, postingsPerTerm: Int = 32) {
            self.postedTerms = postedTerms
            self.queryTerms = queryTerms
            self.postingsPerTerm = postingsPerTerm
        }
    }

    let parameters: Parameters
    /// How long reports stay (the longer window plus slack), in seconds.
    let retention: Double
    private let towns = Mutex<[String: TownWindow]>([:])
    /// When eviction last ran (receivedAt, seconds since 1970).
    private let lastEviction = Mutex<Double>(-.infinity)

    init(retention: Double, parameters: Parameters = Parameters()) {
        self.retention = retention
        self.parameters = parameters
    }

    struct Candidate: Sendable {
        var eventId: String
        var occurredAt: Date
        var receivedAt: Date
        var signature: ReportSignature
    }

    func insert(town: String, eventId: String, occurredAt: Date, receivedAt: Date, signature: ReportSignature) {
        let entry = TownWindow.Entry(
            eventId: eventId, occurredAt: occurredAt.timeIntervalSince1970, receivedAt: receivedAt.timeIntervalSince1970,
            signature: signature, postedTerms: signature.indexKeys(terms: parameters.postedTerms), alive: true)
        towns.withLock { $0[town, default: TownWindow()].insert(entry) }
    }

    func remove(town: String, eventId: String) {
        towns.withLock { $0[town]?.remove(eventId) }
    }

    func candidates(town: String, signature: ReportSignature) -> [Candidate] {
        let terms = signature.indexKeys(terms: parameters.queryTerms)
        let entries = towns.withLock { $0[town]?.candidates(terms: terms, perTerm: parameters.postingsPerTerm) ?? [] }
        return entries.map(Self.candidate)
    }

    /// The signature of one report of the town, if the index holds it (the members of a matter, whose ids
    /// come from SQLite, are scored against a new report without reading their signatures there).
    func signature(town: String, eventId: String) -> ReportSignature? {
        towns.withLock { $0[town]?.entry(eventId)?.signature }
    }

    /// Every live report of the town (tests compare the index with a full scan).
    func allEntries(town: String) -> [Candidate] {
        towns.withLock { $0[town]?.liveEntries ?? [] }.map(Self.candidate)
    }

    private static func candidate(_ entry: TownWindow.Entry) -> Candidate {
        Candidate(eventId: entry.eventId, occurredAt: Date(timeIntervalSince1970: entry.occurredAt),
                  receivedAt: Date(timeIntervalSince1970: entry.receivedAt), signature: entry.signature)
    }

    var count: Int { towns.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Evicts what was received more than `retention` before `now` (at most every ten minutes of
    /// arrival time: the cost is spread thin).
    func evictIfDue(now: Date) {
        let seconds = now.timeIntervalSince1970
        let due = lastEviction.withLock { last in
            guard seconds - last >= 600 else { return false }
            last = seconds
            return true
        }
        guard due else { return }
        towns.withLock { towns in
            for town in Array(towns.keys) {
                towns[town]!.evict(receivedBefore: seconds - retention)
                if towns[town]!.isEmpty { towns.removeValue(forKey: town) }
            }
        }
    }

    /// Loads the window from `recent_event`, oldest arrival first. Rows whose signature was made by
    /// another model or without one (an older database) are signed again by `resign` and written back.
    func rebuild(db: Database, now: Date, signatureVersion: String,
                 resign: (_ eventId: String, _ town: String, _ village: String?) throws -> ReportSignature?) throws -> (loaded: Int, resigned: Int) {
        towns.withLock { $0.removeAll() }
        let since = MessageCoding.formatTimestamp(now.addingTimeInterval(-retention))
        let rows = try Row.fetchCursor(db, sql: """
            SELECT event_id, town, village, occurred_at, received_at, signature, signature_version
            FROM recent_event WHERE received_at >= ? ORDER BY received_at, event_id
            """, arguments: [since])
        var loaded = 0
        // Rows to sign again are collected first: the table is not written while a cursor reads it.
        var pending: [(eventId: String, town: String, village: String?, occurredAt: Date, receivedAt: Date)] = []
        while let row = try rows.next() {
            let eventId: String = row["event_id"]
            let town: String = row["town"]
            let receivedAt = MessageCoding.parseTimestamp(row["received_at"]) ?? now
            let occurredAt = (row["occurred_at"] as String?).flatMap(MessageCoding.parseTimestamp) ?? receivedAt
            if (row["signature_version"] as String?) == signatureVersion, let bytes = row["signature"] as Data?,
               let signature = try? ReportSignature(bytes: Array(bytes)) {
                insert(town: town, eventId: eventId, occurredAt: occurredAt, receivedAt: receivedAt, signature: signature)
                loaded += 1
            } else {
                pending.append((eventId, town, row["village"], occurredAt, receivedAt))
            }
        }
        var resigned = 0
        for row in pending {
            guard let signature = try resign(row.eventId, row.town, row.village) else { continue }
            try db.execute(sql: "UPDATE recent_event SET signature = ?, signature_version = ? WHERE event_id = ?",
                           arguments: [Data(signature.bytes), signatureVersion, row.eventId])
            insert(town: row.town, eventId: row.eventId, occurredAt: row.occurredAt, receivedAt: row.receivedAt, signature: signature)
            resigned += 1
        }
        lastEviction.withLock { $0 = now.timeIntervalSince1970 }
        return (loaded + resigned, resigned)
    }
}
