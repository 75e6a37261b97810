import Foundation
import GRDB
import MinshengModel

/// Finds, for a newly classified report, the matter it repeats (same problem, same place: 重复件) and
/// the hotspot it raises or joins (several people reporting one problem in one town: 未诉先办).
///
/// - Candidates come from the in-memory `CandidateIndex` (a superset), are scored in memory and the best
///   are confirmed against SQLite in the caller's transaction, which also holds everything that can
///   change (matter, hotspot). A rolled-back insert therefore never links or counts: its row is absent.
/// - **The first report of a matter is the one that occurred first** (`occurredAt`; ties: the smaller
///   event id), not the first to arrive. A repeat names it in `duplicateOf`. A report that occurred
///   before every report of its matter but arrived after them still joins the matter (its work order
///   exists already) and names the earliest of them; later repeats name it.
/// - Windows are measured between `occurredAt`s: a repeat within `duplicates.windowHours` of a report of
///   the matter, a hotspot's reports within `hotspots.windowHours` of the one they relate to.
/// - With `matterSupport` (`MatterSupport`), a matter of several reports must support a report as a
///   whole before it joins or relates to it; its members' ids come from SQLite (by the matter's index),
///   their signatures from the index, and a few matters at most are scored per report.
/// - State is keyed by town (index and rows): a town's window can live in its own partition.
struct RepeatDetector: Sendable {
    let settings: ClassificationSettings
    let index: CandidateIndex
    let similarity: ReportSimilarity
    let signatureVersion: String
    /// Compare with every report of the town instead of the index's candidates: only to measure that
    /// the index finds what a full scan finds (`evaluate`, tests).
    let exhaustive: Bool
    /// Candidates confirmed against SQLite, at most (the best scores).
    static let confirmed = 12
    /// Matters of related reports whose other reports are read for a hotspot, at most.
    static let relatedMatters = 3
    /// Reports read per matter for a hotspot, at most (the newest in the window count as much as any).
    static let matesPerMatter = 30
    /// Matters whose members are scored for `matterSupport`, at most, for the repeat and as many again for
    /// the hotspot (the cost per report stays bounded: a few indexed reads and at most 30 scores per matter).
    static let supportedMatters = 3

    init(settings: ClassificationSettings, index: CandidateIndex, signatureVersion: String, exhaustive: Bool = false) {
        self.settings = settings
        self.index = index
        similarity = ReportSimilarity(settings.similarity)
        self.signatureVersion = signatureVersion
        self.exhaustive = exhaustive
    }

    struct Outcome: Sendable, Equatable {
        /// The first report of the matter this one repeats.
        var duplicateOf: String?
        /// The matter this report repeats (the id of its first *classified* report, whose work order the
        /// matter's later reports join): the key of its `events.classified`. Not always `duplicateOf`: a
        /// report that occurred earlier but arrived later becomes the matter's first report.
        var matter: String?
        /// The hotspot this report raised (revision 1) or made grow (a later revision), to publish.
        var hotspot: HotspotAlert?
        /// How similar the report is to the one it was linked to (for the explanation).
        var similarity: Double?
        /// The reports whose window rows this one wrote (itself, and those it brought into a hotspot): what
        /// the owner of the town records on the changelog.
        var changedReports: [String] = []
    }

    /// What the detector needs of the report beyond the accepted event.
    struct Report: Sendable {
        var event: AcceptedEvent
        var category: MinshengModel.Category
        var place: Place?
        var signature: ReportSignature
    }

    func process(_ report: Report, now: Date, db: Database) throws -> Outcome {
        index.evictIfDue(now: report.event.receivedAt)
        // Without a town there is no "same place": nothing to compare with.
        guard let place = report.place else { return Outcome() }
        let event = report.event
        let occurred = event.occurredAt.timeIntervalSince1970
        let retainedSince = event.receivedAt.timeIntervalSince1970 - index.retention
        let lowest = min(settings.duplicates.minSimilarity, settings.hotspots.minSimilarity)
        let longest = settings.longestWindow

        // Score the index's candidates in memory; confirm the best in SQLite.
        let candidates = exhaustive ? index.allEntries(town: place.town) : index.candidates(town: place.town, signature: report.signature)
        let scored = candidates.compactMap { candidate -> (CandidateIndex.Candidate, Double)? in
            guard candidate.eventId != event.eventId, candidate.receivedAt.timeIntervalSince1970 >= retainedSince,
                  abs(candidate.occurredAt.timeIntervalSince1970 - occurred) <= longest else { return nil }
            let score = similarity.score(report.signature, candidate.signature)
            return score >= lowest ? (candidate, score) : nil
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.eventId < $1.0.eventId }.prefix(Self.confirmed)
        let rows = try RecentEvents.rows(scored.map(\.0.eventId), db: db)
        var matches: [(row: RecentEvents.Row, score: Double)] = []
        for (candidate, score) in scored {
            if let row = rows[candidate.eventId] {
                matches.append((row, score))
            } else {
                index.remove(town: place.town, eventId: candidate.eventId)  // its insert was rolled back
            }
        }
        func within(_ row: RecentEvents.Row, hours: Double) -> Bool {
            abs(row.occurredAt.timeIntervalSince1970 - occurred) <= hours * 3600
        }

        // With `matterSupport`, a matter of several reports must support the report as a whole: its scores
        // against the matter's members (read by the matter's index in SQLite, scored from the signatures in
        // memory), once per matter.
        var memberScores: [String: [(row: RecentEvents.Row, signature: ReportSignature, score: Double)]] = [:]
        func supported(_ match: RecentEvents.Row, hours: Double) throws -> Bool {
            guard let support = settings.matterSupport else { return true }
            if memberScores[match.matterId] == nil {
                // Past the bound, a further matter counts as not supporting (the cost per report stays bounded).
                guard memberScores.count < 2 * Self.supportedMatters else { return false }
                let members = try RecentEvents.members(
                    ofMatters: [match.matterId], occurredFrom: event.occurredAt.addingTimeInterval(-longest),
                    to: event.occurredAt.addingTimeInterval(longest), limit: Self.matesPerMatter, db: db)
                memberScores[match.matterId] = members.compactMap { member in
                    guard member.eventId != event.eventId,
                          let signature = index.signature(town: place.town, eventId: member.eventId) else { return nil }
                    return (member, signature, similarity.score(report.signature, signature))
                }
            }
            return support.admits(memberScores[match.matterId]!.filter { within($0.row, hours: hours) }.map(\.score))
        }

        // A repeat: the most similar report of the same village (when both name one) within the window, of a
        // matter that supports it (the next matter's, when the best one's does not; a few matters at most).
        var repeated: (row: RecentEvents.Row, score: Double)?
        var unsupported = Set<String>()
        for match in matches where match.score >= settings.duplicates.minSimilarity
            && within(match.row, hours: settings.duplicates.windowHours)
            && (match.row.village == nil || place.village == nil || match.row.village == place.village) {
            guard !unsupported.contains(match.row.matterId) else { continue }
            if try supported(match.row, hours: settings.duplicates.windowHours) {
                repeated = match
                break
            }
            unsupported.insert(match.row.matterId)
            if unsupported.count >= Self.supportedMatters { break }
        }
        var outcome = Outcome(similarity: repeated?.score)
        var row = RecentEvents.Row(
            eventId: event.eventId, source: event.source, town: place.town, village: place.village, category: report.category,
            reporterKey: Self.reporterKey(event), occurredAt: event.occurredAt, receivedAt: event.receivedAt,
            matterId: repeated?.row.matterId ?? event.eventId, duplicateOf: nil, hotspotId: nil)
        if let repeated {
            outcome.duplicateOf = try RecentEvents.firstReport(ofMatter: repeated.row.matterId, db: db) ?? repeated.row.eventId
            outcome.matter = repeated.row.matterId
            row.duplicateOf = outcome.duplicateOf
        }

        // A hotspot: the report's matter and the related reports (same village when both name one) with
        // their matters, within the hotspot window. It joins a hotspot one of them is in, or raises one
        // when they are enough reports from enough people.
        let window = settings.hotspots.windowHours * 3600
        // A report of another matter relates only when the two matters support each other: that matter
        // supports this report, and this report's matter (with it) supports that report.
        func supports(ownMatterOf other: RecentEvents.Row, score: Double, hours: Double) -> Bool {
            guard let support = settings.matterSupport, let own = repeated?.row.matterId, let members = memberScores[own],
                  let signature = index.signature(town: place.town, eventId: other.eventId) else { return true }
            let scores = members.filter { within($0.row, hours: hours) }.map { similarity.score(signature, $0.signature) }
            return support.admits(scores + [score])
        }
        let related = try matches.filter {
            try $0.score >= settings.hotspots.minSimilarity && within($0.row, hours: settings.hotspots.windowHours)
                && ($0.row.village == nil || place.village == nil || $0.row.village == place.village)
                && ($0.row.matterId == repeated?.row.matterId
                    || (supported($0.row, hours: settings.hotspots.windowHours)
                        && supports(ownMatterOf: $0.row, score: $0.score, hours: settings.hotspots.windowHours)))
        }.map(\.row)
        // The report's matter and the matters of the most related reports (a few: the cost per report stays
        // bounded however busy the town is).
        // A report that starts its own matter and relates to nothing has no one to form a hotspot with.
        var matters = repeated == nil ? [] : [row.matterId]
        for member in related where !matters.contains(member.matterId) && matters.count <= Self.relatedMatters {
            matters.append(member.matterId)
        }
        let mates = matters.isEmpty ? [] : try RecentEvents.members(
            ofMatters: matters, occurredFrom: event.occurredAt.addingTimeInterval(-window),
            to: event.occurredAt.addingTimeInterval(window), limit: Self.matesPerMatter, db: db).filter { $0.eventId != row.eventId }
        let ownMates = mates.filter { $0.matterId == row.matterId }
        let existing = ownMates.lazy.compactMap(\.hotspotId).first ?? related.lazy.compactMap(\.hotspotId).first
            ?? mates.lazy.compactMap(\.hotspotId).first
        // With `hotspotSupport`, a hotspot takes in only the reports its other reports support (the scores of
        // each against the others within the window, by `MatterSupport`'s rule): when it is raised, every
        // member; when it grows, the new report (unless its matter is in the hotspot already: a repeat
        // follows its matter) and the reports it brings. A report of another problem that came into a matter
        // through the one member it resembles (often as the matter's first report) stays in the matter but
        // out of the hotspot.
        func signature(_ member: RecentEvents.Row) -> ReportSignature? {
            member.eventId == row.eventId ? report.signature : index.signature(town: place.town, eventId: member.eventId)
        }
        /// The score of two reports of a hotspot (nil: one and the same, apart more than the window, or a
        /// signature gone).
        func hotspotScore(_ a: RecentEvents.Row, _ b: RecentEvents.Row) -> Double? {
            guard a.eventId != b.eventId, abs(a.occurredAt.timeIntervalSince(b.occurredAt)) <= window,
                  let signatureA = signature(a), let signatureB = signature(b) else { return nil }
            return similarity.score(signatureA, signatureB)
        }
        /// Whether the others support the candidate; one whose signature is gone is.
        func supportedByHotspot(_ candidate: RecentEvents.Row, among others: [RecentEvents.Row], _ support: MatterSupport) -> Bool {
            signature(candidate) == nil || support.admits(others.compactMap { hotspotScore(candidate, $0) })
        }
        var joiningCandidates: [RecentEvents.Row] = []
        var seen: Set<String> = [row.eventId]
        for member in related + ownMates where member.hotspotId == nil && seen.insert(member.eventId).inserted {
            joiningCandidates.append(member)
        }
        var admittedToExisting = true
        // A repeat of a matter already in the hotspot follows its matter; any other report must be supported.
        let followsMatter = existing != nil && ownMates.contains { $0.hotspotId == existing }
        if let existing, let support = settings.hotspotSupport, !(followsMatter && joiningCandidates.isEmpty) {
            // The hotspot's newest reports in the window (a few reads by its index, at most 30 scores each).
            let holders = try RecentEvents.members(
                ofHotspot: existing, occurredFrom: event.occurredAt.addingTimeInterval(-window),
                to: event.occurredAt.addingTimeInterval(window), limit: Self.matesPerMatter, db: db)
            let candidates = [row] + joiningCandidates
            admittedToExisting = followsMatter || supportedByHotspot(row, among: holders + candidates, support)
            joiningCandidates = joiningCandidates.filter { supportedByHotspot($0, among: holders + candidates, support) }
        }
        if let existing, admittedToExisting {
            row.hotspotId = existing
            try RecentEvents.insert(row, signature: report.signature, signatureVersion: signatureVersion, text: event.text, db: db)
            let joining = joiningCandidates.map(\.eventId).sorted()
            try RecentEvents.setHotspot(existing, events: joining, db: db)
            outcome.changedReports = [row.eventId] + joining
            outcome.hotspot = try Hotspots.grow(existing, by: event, text: event.text, category: report.category, now: now, db: db)
        } else {
            // No hotspot yet, or one that does not support the report (a related report is in it, the
            // report's matter is not): it may raise its own with the reports outside any hotspot.
            var cluster: [String: RecentEvents.Row] = [row.eventId: row]
            for member in related + mates where member.hotspotId == nil { cluster[member.eventId] = member }
            var members = cluster.values.sorted { ($0.occurredAt, $0.eventId) < ($1.occurredAt, $1.eventId) }
            if let support = settings.hotspotSupport {
                // Leave out, one at a time, the least supported report the rest does not support (lowest mean
                // score), until the rest supports every report left: a report of another problem among three
                // would otherwise take a report of the problem out with it (its second best is the stranger).
                // Each pair is scored once.
                let pairScores = members.map { a in members.map { b in hotspotScore(a, b) } }
                let signed = members.map { signature($0) != nil }
                var left = Array(members.indices)
                while true {
                    let scores = left.map { i in left.compactMap { pairScores[i][$0] } }
                    let unsupported = left.indices.filter { signed[left[$0]] && !support.admits(scores[$0]) }
                    guard let worst = unsupported.min(by: { Self.mean(scores[$0]) < Self.mean(scores[$1]) }) else { break }
                    left.remove(at: worst)
                }
                members = left.map { members[$0] }
            }
            let reporters = Set(members.map(\.reporterKey))
            if members.contains(where: { $0.eventId == row.eventId })
                && members.count >= settings.hotspots.minEvents && reporters.count >= settings.hotspots.minReporters {
                // From its first report (rule 1 of docs/scaling.md): whoever raises it, it has the same id. A
                // report in a hotspot never starts another, so the id is not reused.
                let alertId = Self.hotspotId(firstReport: members[0].eventId)
                row.hotspotId = alertId
                try RecentEvents.insert(row, signature: report.signature, signatureVersion: signatureVersion, text: event.text, db: db)
                let joining = members.map(\.eventId).filter { $0 != row.eventId }
                try RecentEvents.setHotspot(alertId, events: joining, db: db)
                outcome.changedReports = [row.eventId] + joining
                outcome.hotspot = try Hotspots.raise(alertId, members: members, by: event, text: event.text,
                                                      category: report.category, windowHours: settings.hotspots.windowHours,
                                                      now: now, db: db)
            } else {
                try RecentEvents.insert(row, signature: report.signature, signatureVersion: signatureVersion, text: event.text, db: db)
                outcome.changedReports = [row.eventId]
            }
        }
        index.insert(town: place.town, eventId: event.eventId, occurredAt: event.occurredAt, receivedAt: event.receivedAt,
                     signature: report.signature)
        return outcome
    }

    private static func mean(_ scores: [Double]) -> Double { scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count) }

    /// The id of a hotspot whose first report (the one that occurred first) is `firstReport`.
    static func hotspotId(firstReport: String) -> String { "hs-\(firstReport)" }

    /// Who reported: the phone when given, else the name on that channel, else nobody known (each such
    /// report counts as its own reporter).
    static func reporterKey(_ event: AcceptedEvent) -> String {
        if let phone = event.reporter?.phone { return "phone:\(phone)" }
        if let name = event.reporter?.name { return "name:\(event.source.rawValue):\(name)" }
        return "event:\(event.eventId)"
    }
}
