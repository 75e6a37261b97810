import Foundation
import GRDB
import MinshengModel
import MinshengPlatform

/// One report of a labelled cluster set (`Corpus/clusters/*.jsonl`): reports of one problem at one
/// place share a `cluster`; distractors (another problem at the same place, or the same kind of problem
/// elsewhere) have none.
struct ClusterReport: Codable, Sendable {
    var id: String
    var cluster: String?
    var source: Source
    var occurredAt: Date
    var reporterPhone: String?
    var text: String
    var address: String?

    static func load(path: String) throws -> [ClusterReport] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError("\(path): cannot read the cluster set")
        }
        let decoder = MessageCoding.decoder()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated().map { index, line in
            do {
                return try decoder.decode(ClusterReport.self, from: Data(line.utf8))
            } catch {
                throw ModelFileError("\(path):\(index + 1): \(error)")
            }
        }
    }

    /// The report as intake would pass it on, received a minute after it occurred.
    var accepted: AcceptedEvent {
        AcceptedEvent(eventId: "ev-\(id)", source: source, sourceId: id, occurredAt: occurredAt,
                      receivedAt: occurredAt.addingTimeInterval(60), text: text,
                      reporter: reporterPhone.map { Reporter(phone: $0) }, address: address)
    }
}

/// How the repeat and hotspot detector, as the service runs it (classifier, signatures, index,
/// SQLite), groups a labelled cluster set fed in the order the reports occurred:
/// - pairwise precision, recall and F1 of "same matter" (linked by `duplicateOf`) against "same cluster";
/// - how many planted clusters had every report linked into one matter, and raised as one hotspot
///   holding nothing else (clusters with at least `minReporters` reporters);
/// - how many had every report in one hotspot, whatever else joined it (the issue's "raised as one
///   hotspot": what a dispatcher needs so as not to miss a report; what joined is counted by the pairs).
struct ClusterEvaluation {
    var reports: Int
    var clusters: Int
    var pairPrecision: Double
    var pairRecall: Double
    var pairF1: Double
    /// Pairs of reports of one cluster, pairs linked into one matter, and pairs both (what the pairwise
    /// figures are made of, so that several sets can be pooled).
    var pairCounts: (same: Int, linked: Int, both: Int)
    var clustersLinked: Int
    var clustersRaised: Int
    /// Clusters whose reports all sit in one hotspot, whether or not something else joined it.
    var clustersRaisedTogether: Int
    var raisable: Int
    var falseHotspots: Int
    /// Reports whose matter differs from what a full scan of the town gives (the index missed something).
    var indexDisagreements: Int
    /// Planted clusters not linked or raised whole, with what happened, for reading.
    var misses: [String]
    /// Matters holding reports of more than one cluster (or a distractor): which, for reading.
    var mixedMatters: [String]

    init(parts: ClassificationService.Parts, reports: [ClusterReport], compareWithFullScan: Bool = true,
         arrival: SignedClusterSet.Arrival = .asOccurred) throws {
        try self.init(settings: parts.settings,
                      signed: SignedClusterSet(reports: reports, classifier: parts.classifier, signatures: parts.signatures, arrival: arrival),
                      compareWithFullScan: compareWithFullScan)
    }

    /// With the reports classified and signed already (the signatures must be those `settings.similarity`
    /// makes: `tune-similarity` signs once per signature maker and evaluates many settings).
    /// `fullScan`: the figures are those of comparing each report with every report of its town, not
    /// the candidate index's (to choose a setting on what it does, not on what the index happens to miss).
    init(settings: ClassificationSettings, signed: SignedClusterSet, compareWithFullScan: Bool = true, fullScan: Bool = false) throws {
        let ordered = signed.reports
        let indexed = try Self.run(settings: settings, signed: signed, exhaustive: fullScan)
        self.reports = ordered.count
        if compareWithFullScan {
            let scanned = try Self.run(settings: settings, signed: signed, exhaustive: true)
            // Hotspot ids are random: compare who is grouped with whom, by the first member of each group.
            func canonical(_ labels: [String?]) -> [Int?] {
                var first: [String: Int] = [:]
                var result: [Int?] = []
                for (index, label) in labels.enumerated() {
                    guard let label else { result.append(nil); continue }
                    if first[label] == nil { first[label] = index }
                    result.append(first[label])
                }
                return result
            }
            let (a, b) = (canonical(indexed.matter), canonical(scanned.matter))
            let (c, d) = (canonical(indexed.hotspot), canonical(scanned.hotspot))
            indexDisagreements = ordered.indices.filter { a[$0] != b[$0] || c[$0] != d[$0] }.count
        } else {
            indexDisagreements = 0
        }

        var truePairs = 0, predictedPairs = 0, bothPairs = 0
        for i in ordered.indices {
            for j in ordered.indices where j > i {
                let same = ordered[i].cluster != nil && ordered[i].cluster == ordered[j].cluster
                let linked = indexed.matter[i] == indexed.matter[j]
                if same { truePairs += 1 }
                if linked { predictedPairs += 1 }
                if same && linked { bothPairs += 1 }
            }
        }
        pairCounts = (truePairs, predictedPairs, bothPairs)
        (pairPrecision, pairRecall, pairF1) = Self.pairFigures(pairCounts)

        let byCluster = Dictionary(grouping: ordered.indices.filter { ordered[$0].cluster != nil }) { ordered[$0].cluster! }
        clusters = byCluster.count
        var linked = 0, raised = 0, together = 0, raisable = 0
        var misses: [String] = []
        let minReporters = settings.hotspots.minReporters
        for (cluster, members) in byCluster.sorted(by: { $0.key < $1.key }) {
            let matters = Set(members.map { indexed.matter[$0] })
            let matterWhole = matters.count == 1
            if matterWhole { linked += 1 }
            let reporters = Set(members.map { ordered[$0].reporterPhone ?? ordered[$0].id }).count
            guard reporters >= minReporters && members.count >= settings.hotspots.minEvents else { continue }
            raisable += 1
            let hotspots = Set(members.map { indexed.hotspot[$0] })
            var whole = false
            if hotspots.count == 1, let hotspot = hotspots.first!, !hotspot.isEmpty {
                together += 1
                let holders = Set(ordered.indices.filter { indexed.hotspot[$0] == hotspot })
                whole = holders == Set(members)
            }
            if whole { raised += 1 }
            if !matterWhole || !whole {
                let extra = Set(indexed.hotspot.indices.filter { index in
                    members.contains { indexed.hotspot[$0] != nil && indexed.hotspot[$0] == indexed.hotspot[index] } && !members.contains(index)
                } + indexed.matter.indices.filter { index in
                    members.contains { indexed.matter[$0] == indexed.matter[index] } && !members.contains(index)
                }).sorted().map { ordered[$0].id }
                let shape = members.map { "\(ordered[$0].id):\(indexed.matter[$0].suffix(3))/\(indexed.hotspot[$0]?.prefix(6) ?? "-")" }
                misses.append("\(cluster): \(matters.count) matters, \(hotspots.count) hotspots [\(shape.joined(separator: " "))]"
                              + (extra.isEmpty ? "" : " with \(extra.joined(separator: " "))"))
            }
        }
        clustersLinked = linked
        clustersRaised = raised
        clustersRaisedTogether = together
        self.raisable = raisable
        let planted = Set(byCluster.values.map(Set.init))
        falseHotspots = Set(indexed.hotspot.compactMap { $0 }).filter { hotspot in
            !planted.contains(Set(ordered.indices.filter { indexed.hotspot[$0] == hotspot }))
        }.count
        self.misses = misses
        mixedMatters = Dictionary(grouping: ordered.indices) { indexed.matter[$0] }.values
            .filter { members in Set(members.map { ordered[$0].cluster ?? ordered[$0].id }).count > 1 }
            .map { members in members.sorted().map { "\(ordered[$0].id)(\(ordered[$0].cluster ?? "-"))" }.joined(separator: " ") }
            .sorted()
    }

    static func pairFigures(_ counts: (same: Int, linked: Int, both: Int)) -> (precision: Double, recall: Double, f1: Double) {
        let precision = counts.linked == 0 ? 0 : Double(counts.both) / Double(counts.linked)
        let recall = counts.same == 0 ? 0 : Double(counts.both) / Double(counts.same)
        return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
    }

    /// Several sets' evaluations as one: pairs, clusters and hotspots added up (each set was run on a
    /// database of its own, so no report of one is linked with a report of another).
    init(pooling parts: [ClusterEvaluation]) {
        reports = parts.map(\.reports).reduce(0, +)
        clusters = parts.map(\.clusters).reduce(0, +)
        pairCounts = (parts.map(\.pairCounts.same).reduce(0, +), parts.map(\.pairCounts.linked).reduce(0, +),
                      parts.map(\.pairCounts.both).reduce(0, +))
        (pairPrecision, pairRecall, pairF1) = Self.pairFigures(pairCounts)
        clustersLinked = parts.map(\.clustersLinked).reduce(0, +)
        clustersRaised = parts.map(\.clustersRaised).reduce(0, +)
        clustersRaisedTogether = parts.map(\.clustersRaisedTogether).reduce(0, +)
        raisable = parts.map(\.raisable).reduce(0, +)
        falseHotspots = parts.map(\.falseHotspots).reduce(0, +)
        indexDisagreements = parts.map(\.indexDisagreements).reduce(0, +)
        misses = parts.flatMap(\.misses)
        mixedMatters = parts.flatMap(\.mixedMatters)
    }

    /// Feeds the reports through the detector on an in-memory database, in order; the matter (its first
    /// report) and hotspot of each report at the end.
    static func run(settings: ClassificationSettings, signed: SignedClusterSet, exhaustive: Bool) throws -> (matter: [String], hotspot: [String?]) {
        let database = try ServiceDatabase.inMemory(migrations: ClassificationMigrations.register)
        let index = CandidateIndex(retention: settings.longestWindow + 3600, parameters: .init(for: settings.similarity))
        let detector = RepeatDetector(settings: settings, index: index, signatureVersion: signed.signatureVersion,
                                      exhaustive: exhaustive)
        for report in signed.detectorInput {
            let event = report.event
            try database.writer.write { db in
                _ = try detector.process(report, now: event.receivedAt, db: db)
                try db.execute(sql: """
                    INSERT INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, confidence,
                        explanation, classified_at, text) VALUES (?, ?, ?, ?, 'normal', 0, 0, 1, '', ?, ?)
                    """, arguments: [event.eventId, event.source.rawValue, event.sourceId, report.category.rawValue,
                                     MessageCoding.formatTimestamp(event.receivedAt), event.text])
            }
        }
        return try database.writer.read { db in
            let rows = try RecentEvents.rows(signed.reports.map { "ev-\($0.id)" }, db: db)
            return (signed.reports.map { rows["ev-\($0.id)"]?.matterId ?? "alone-\($0.id)" },
                    signed.reports.map { rows["ev-\($0.id)"]?.hotspotId })
        }
    }

    var report: String {
        func f(_ value: Double) -> String { String(format: "%.3f", value) }
        var lines = [
            "cluster set              \(reports) reports, \(clusters) planted clusters",
            "pairwise precision       \(f(pairPrecision))",
            "pairwise recall          \(f(pairRecall))",
            "pairwise F1              \(f(pairF1))   (target >= 0.85)",
            "clusters linked whole    \(clustersLinked) of \(clusters)",
            "clusters raised whole    \(clustersRaised) of \(raisable) with enough reporters; other hotspots \(falseHotspots)",
            "clusters raised together \(clustersRaisedTogether) of \(raisable) (every report in one hotspot; others may have joined)",
            "index vs full scan       \(indexDisagreements) reports grouped differently",
        ]
        if !misses.isEmpty { lines.append("not whole: " + misses.joined(separator: "\n           ")) }
        if !mixedMatters.isEmpty { lines.append("matters mixing clusters: " + mixedMatters.joined(separator: "\n           ")) }
        return lines.joined(separator: "\n")
    }
}
