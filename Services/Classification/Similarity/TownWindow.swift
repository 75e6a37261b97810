/// The reports of one town that are still comparable, in memory, with an inverted index from their
/// heaviest terms to the reports that carry them: finding the candidates for a new report reads a few
/// short posting lists (the newest entries of each), never the whole window.
///
/// It holds only what never changes about a report (id, times, signature); what can change (the matter
/// it belongs to, its hotspot) is read from SQLite. Entries are appended in arrival order and evicted
/// from the front; a replaced entry (the same event again, after a rolled-back attempt) is left dead
/// where it is until evicted.
struct TownWindow: Sendable {
    struct Entry: Sendable {
        var eventId: String
        var occurredAt: Double
        var receivedAt: Double
        var signature: ReportSignature
        /// The terms posted for it (its heaviest).
        var postedTerms: [UInt32]
        var alive: Bool
    }

    /// A posting: the entry's sequence number and the index of the previous posting of the same term.
    private struct Node: Sendable {
        var sequence: Int32
        var previous: Int32
    }

    private(set) var entries: [Entry] = []
    /// Sequence number of `entries[head]`; sequence numbers only grow.
    private var firstSequence: Int32 = 0
    private var head = 0
    private var sequenceOf: [String: Int32] = [:]
    /// The newest posting of each term.
    private var newest: [UInt32: Int32] = [:]
    private var nodes: [Node] = []
    private var liveNodes = 0

    var count: Int { sequenceOf.count }
    var isEmpty: Bool { sequenceOf.isEmpty }

    private func entryIndex(_ sequence: Int32) -> Int { head + Int(sequence - firstSequence) }

    /// Adds the report, or replaces the entry it already has.
    mutating func insert(_ entry: Entry) {
        if let old = sequenceOf[entry.eventId] { entries[entryIndex(old)].alive = false }
        let sequence = firstSequence + Int32(entries.count - head)
        entries.append(entry)
        sequenceOf[entry.eventId] = sequence
        for term in entry.postedTerms {
            nodes.append(Node(sequence: sequence, previous: newest[term] ?? -1))
            newest[term] = Int32(nodes.count - 1)
        }
        liveNodes += entry.postedTerms.count
    }

    /// Forgets a report (its row is not in SQLite: a rolled-back insert).
    mutating func remove(_ eventId: String) {
        guard let sequence = sequenceOf.removeValue(forKey: eventId) else { return }
        entries[entryIndex(sequence)].alive = false
    }

    /// The live entry of a report, if it is held.
    func entry(_ eventId: String) -> Entry? {
        guard let sequence = sequenceOf[eventId] else { return nil }
        let entry = entries[entryIndex(sequence)]
        return entry.alive ? entry : nil
    }

    /// Live reports that share at least one of `terms`, reading at most `perTerm` of the newest
    /// postings of each term. A superset of what is worth comparing: the caller scores and confirms.
    func candidates(terms: [UInt32], perTerm: Int) -> [Entry] {
        var seen = Set<Int32>()
        var result: [Entry] = []
        for term in terms {
            var node = newest[term] ?? -1
            var read = 0
            while node >= 0 && read < perTerm {
                let posting = nodes[Int(node)]
                if posting.sequence < firstSequence { break }  // evicted, and so is everything older
                read += 1
                if seen.insert(posting.sequence).inserted {
                    let entry = entries[entryIndex(posting.sequence)]
                    if entry.alive { result.append(entry) }
                }
                node = posting.previous
            }
        }
        return result
    }

    /// Every live entry (for tests and the brute-force comparison).
    var liveEntries: [Entry] { entries[head...].filter(\.alive) }

    /// Drops the entries at the front received before `bound` (arrival order: a slightly late entry waits
    /// for the one before it), and compacts the postings when most of them are dead.
    mutating func evict(receivedBefore bound: Double) {
        while head < entries.count && entries[head].receivedAt < bound {
            let entry = entries[head]
            if entry.alive, sequenceOf[entry.eventId] == firstSequence { sequenceOf.removeValue(forKey: entry.eventId) }
            liveNodes -= entry.postedTerms.count
            head += 1
            firstSequence += 1
        }
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        if nodes.count > 4096 && liveNodes * 3 < nodes.count { compact() }
    }

    /// Rebuilds the postings from the entries still held.
    private mutating func compact() {
        nodes.removeAll(keepingCapacity: false)
        newest.removeAll(keepingCapacity: false)
        for (offset, entry) in entries[head...].enumerated() {
            let sequence = firstSequence + Int32(offset)
            for term in entry.postedTerms {
                nodes.append(Node(sequence: sequence, previous: newest[term] ?? -1))
                newest[term] = Int32(nodes.count - 1)
            }
        }
        liveNodes = nodes.count
    }
}
