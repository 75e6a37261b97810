import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform

/// Measures what repeats and hotspots cost per event as the window grows (issue 8): a database file
/// like the service's, a window filled with `size` reports of the region (corpus texts placed in random
/// towns and places, at random times of the last 70 hours), then new reports handled one by
/// one by the real handler, each in its own transaction. Also measures the scan the service did before
/// the index (every report of the town in the window read from SQLite and compared), for comparison.
struct DetectorBenchmark {
    struct Figures {
        var window: Int
        /// Microseconds per event for the detector alone (candidates, scoring, SQLite reads and writes).
        var detector: Double
        /// Microseconds per event for the whole handler (classification, signature, detector, decision
        /// row, outbox rows), in its own transaction.
        var handler: Double
        /// Microseconds per event for a scan of the town's window in SQLite (what `RecentEvents.candidates`
        /// did before the index).
        var scan: Double
        var candidates: Double
        var resident: Int
    }

    let parts: ClassificationService.Parts
    let texts: [String]
    let region: Region

    func run(size: Int, measured: Int, seed: UInt64) throws -> Figures {
        var generator = SeededGenerator(seed: seed)
        let directory = NSTemporaryDirectory() + "minsheng-detector-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try ServiceDatabase.open(directory: directory, service: .classification, migrations: ClassificationMigrations.register)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // Fill the window directly (rows and signatures as the detector writes them), in big transactions.
        var batch: [(RecentEvents.Row, ReportSignature, String)] = []
        func flush() throws {
            let rows = batch
            batch.removeAll(keepingCapacity: true)
            try database.writer.write { db in
                for (row, signature, text) in rows {
                    try RecentEvents.insert(row, signature: signature, signatureVersion: parts.signatures.version, text: text, db: db)
                    try db.execute(sql: """
                        INSERT INTO classified_event (event_id, source, source_id, category, level, police, shuangfei, confidence,
                            explanation, classified_at, text, town) VALUES (?, ?, ?, ?, 'normal', 0, 0, 1, '', ?, ?, ?)
                        """, arguments: [row.eventId, row.source.rawValue, row.eventId, row.category.rawValue,
                                         MessageCoding.formatTimestamp(row.receivedAt), text, row.town])
                }
            }
        }
        for n in 0..<size {
            let event = randomEvent(id: "w\(n)", at: now.addingTimeInterval(-Double.random(in: 60...(70 * 3600), using: &generator)),
                                    generator: &generator)
            let decision = parts.classifier.classify(event)
            guard let place = decision.place else { continue }
            let signature = parts.signatures.signature(text: event.text, address: event.address, village: place.village,
                                                       categoryProbabilities: decision.categoryProbabilities)
            batch.append((RecentEvents.Row(
                eventId: event.eventId, source: event.source, town: place.town, village: place.village, category: decision.category,
                reporterKey: RepeatDetector.reporterKey(event), occurredAt: event.occurredAt, receivedAt: event.receivedAt,
                matterId: event.eventId, duplicateOf: nil, hotspotId: nil), signature, event.text))
            if batch.count == 5000 { try flush() }
        }
        try flush()
        let handler = try ClassificationService.makeHandler(parts: parts, database: database.writer,
                                                            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), now: now)
        let resident = handler.window.detector.index.count

        // New reports through the detector alone, then through the whole handler. Times are this thread's
        // CPU time (user and system), which other processes on a busy machine do not inflate.
        let clock = ThreadClock()
        var detectorTime = 0.0
        var handlerTime = 0.0
        var scanTime = 0.0
        var candidates = 0
        for n in 0..<measured {
            let event = randomEvent(id: "d\(n)", at: now.addingTimeInterval(Double(n)), generator: &generator)
            let decision = parts.classifier.classify(event)
            let signature = parts.signatures.signature(text: event.text, address: event.address, village: decision.place?.village,
                                                       categoryProbabilities: decision.categoryProbabilities)
            if let place = decision.place {
                candidates += handler.window.detector.index.candidates(town: place.town, signature: signature).count
            }
            let started = clock.now
            try database.writer.write { db in
                _ = try handler.window.detector.process(.init(event: event, category: decision.category, place: decision.place, signature: signature),
                                                 now: event.receivedAt, db: db)
            }
            detectorTime += clock.now - started

            // The old way: read and compare the town's whole window.
            if let place = decision.place {
                let scanStarted = clock.now
                try database.writer.read { db in
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT event_id, signature FROM recent_event WHERE town = ? AND received_at >= ? ORDER BY received_at, event_id
                        """, arguments: [place.town, MessageCoding.formatTimestamp(event.receivedAt.addingTimeInterval(-parts.settings.longestWindow))])
                    var best = 0.0
                    for row in rows {
                        if let bytes = row["signature"] as Data?, let other = try? ReportSignature(bytes: Array(bytes)) {
                            best = max(best, handler.window.detector.similarity.score(signature, other))
                        }
                    }
                    _ = best
                }
                scanTime += clock.now - scanStarted
            }

            let whole = randomEvent(id: "h\(n)", at: now.addingTimeInterval(Double(n) + 0.5), generator: &generator)
            let message = KafkaMessage(topic: Topics.eventsAccepted, partition: 0, offset: Int64(n), key: Array(whole.eventId.utf8),
                                       value: try MessageCoding.encode(whole))
            let handled = clock.now
            try database.writer.write { db in try handler.handleBothSteps(message, db: db, now: whole.receivedAt) }
            handlerTime += clock.now - handled
        }
        func micros(_ seconds: Double) -> Double { seconds * 1e6 / Double(max(1, measured)) }
        return Figures(window: size, detector: micros(detectorTime), handler: micros(handlerTime), scan: micros(scanTime),
                       candidates: Double(candidates) / Double(max(1, measured)), resident: resident)
    }

    /// A report of the region: a corpus text placed in a random town, three times in ten at one of its
    /// roads or villages (the gazetteer's places), otherwise at one of 300 estates of the town that the
    /// gazetteer does not know (a busy window has many more places than the gazetteer names), from a
    /// random phone.
    func randomEvent(id: String, at occurredAt: Date, generator: inout SeededGenerator) -> AcceptedEvent {
        let town = region.towns.randomElement(using: &generator)!
        let place: String
        if Int.random(in: 0..<10, using: &generator) < 3 {
            place = (town.roads + town.villages.map(\.name)).randomElement(using: &generator)!
        } else {
            place = "\(town.name)第\(Int.random(in: 1...300, using: &generator))小区"
        }
        let text = String((place + texts.randomElement(using: &generator)!).prefix(200))
        let source = [Source.hotline12345, .police110, .web, .grid].randomElement(using: &generator)!
        let phone = source == .web ? nil : "13\(UInt64.random(in: 100_000_000...999_999_999, using: &generator))"
        return AcceptedEvent(eventId: "ev-bench-\(id)", source: source, sourceId: id, occurredAt: occurredAt,
                             receivedAt: occurredAt.addingTimeInterval(30), text: text, reporter: phone.map { Reporter(phone: $0) })
    }
}

/// This thread's CPU time (user and system), in seconds.
struct ThreadClock {
    var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
