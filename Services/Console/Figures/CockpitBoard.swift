import Foundation
import GRDB
import MinshengModel

/// Everything the big screen (驾驶舱) shows for a period: the figures `/v1/stats` gives (`figures`),
/// events by channel and what became of them, the towns coloured by open orders, hotspots with their
/// reports and tasks, 110 双非 calls and their closure, orders overdue (red) and nearly due (yellow),
/// the latest dispatched orders, and the health and lag of every service.
struct CockpitBoard: Codable, Sendable {
    struct ChannelCount: Codable, Sendable, Equatable {
        var source: String
        var count: Int
    }

    /// What became of the events received in the period.
    struct EventDisposition: Codable, Sendable, Equatable {
        var received: Int
        /// With a work order of their own, dispatched or handled.
        var ordered: Int
        /// Held at the centre for review now.
        var held: Int
        /// Attached to another order as repeats (并案).
        var attached: Int
        /// Handed back to the 110 system (police matters).
        var returnedTo110: Int
        /// Not (yet) any of these: in flight between the services.
        var inFlight: Int
    }

    struct TownCount: Codable, Sendable, Equatable {
        var town: String
        /// Orders someone must act on now (dispatched, signed, on site, reopened, held, returned).
        var open: Int
        var overdue: Int
    }

    /// 110 calls that are neither police business nor emergencies, and how they were closed.
    struct Shuangfei: Codable, Sendable, Equatable {
        var calls: Int
        var policeMatters: Int
        var shuangfei: Int
        var ordered: Int
        var closed: Int
        var closureRate: Double?
    }

    struct Waiting: Codable, Sendable, Equatable {
        var held: Int
        var returned: Int
        /// Of those, past their review deadline.
        var overdue: Int
    }

    var from: Date
    var to: Date
    var now: Date
    var figures: CockpitFigures
    var channels: [ChannelCount]
    var rejected: Int
    var events: EventDisposition
    /// Orders of the period nearly due now (yellow).
    var nearlyDueNow: Int
    var waiting: Waiting
    var towns: [TownCount]
    var hotspots: [HotspotSummary]
    var shuangfei: Shuangfei
    var latest: [OrderSummary]
    var red: [OrderSummary]
    var yellow: [OrderSummary]
    var services: [ServiceHealth]
    var lag: [OperationsBoard.GroupLag]

    static func compute(
        _ period: Period, configuration: ConsoleConfiguration, operations: OperationsBoard, maskPhones: Bool, db: Database, now: Date
    ) throws -> CockpitBoard {
        let from = MessageCoding.formatTimestamp(period.from)
        let to = MessageCoding.formatTimestamp(period.to)
        let figures = try CockpitFigures.compute(from: period.from, to: period.to, db: db, now: now)
        let counts = try Row.fetchAll(db, sql: """
            SELECT source, COUNT(*) AS n FROM event WHERE received_at >= ? AND received_at < ? GROUP BY source
            """, arguments: [from, to])
        var bySource = Dictionary(uniqueKeysWithValues: counts.map { ($0["source"] as String, $0["n"] as Int) })
        let channels = Source.allCases.map { ChannelCount(source: $0.rawValue, count: bySource.removeValue(forKey: $0.rawValue) ?? 0) }
        let rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejection WHERE rejected_at >= ? AND rejected_at < ?",
                                        arguments: [from, to]) ?? 0
        let disposition = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS received,
                SUM(CASE WHEN own.status IS NOT NULL AND own.status != 'held' THEN 1 ELSE 0 END) AS ordered,
                SUM(CASE WHEN own.status = 'held' THEN 1 ELSE 0 END) AS held,
                SUM(CASE WHEN own.status IS NULL AND we.work_order_id IS NOT NULL THEN 1 ELSE 0 END) AS attached,
                SUM(CASE WHEN own.status IS NULL AND we.work_order_id IS NULL AND e.returned_to_110_at IS NOT NULL THEN 1 ELSE 0 END) AS returned,
                SUM(CASE WHEN own.status IS NULL AND we.work_order_id IS NULL AND e.returned_to_110_at IS NULL THEN 1 ELSE 0 END) AS inflight
            FROM event e
            LEFT JOIN work_order own ON own.event_id = e.event_id AND own.status != 'merged'
            LEFT JOIN work_order_event we ON we.event_id = e.event_id
            WHERE e.received_at >= ? AND e.received_at < ?
            """, arguments: [from, to])!
        let events = EventDisposition(
            received: disposition["received"], ordered: disposition["ordered"] ?? 0, held: disposition["held"] ?? 0,
            attached: disposition["attached"] ?? 0, returnedTo110: disposition["returned"] ?? 0,
            inFlight: disposition["inflight"] ?? 0)

        let openList = OrderRules.open.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
        let openRows = try Row.fetchAll(db, sql: "SELECT * FROM work_order WHERE status IN (\(openList))")
        let open = openRows.map { OrderSummary.from($0, now: now, fraction: configuration.warningFraction, units: configuration.units,
                                                     maskPhone: maskPhones) }
        var towns: [String: TownCount] = [:]
        for town in configuration.region.towns { towns[town.name] = TownCount(town: town.name, open: 0, overdue: 0) }
        for order in open {
            let town = order.town ?? "unknown"
            towns[town, default: TownCount(town: town, open: 0, overdue: 0)].open += 1
            if !order.overdue.isEmpty { towns[town]!.overdue += 1 }
        }
        let ordered = configuration.region.towns.map(\.name) + towns.keys.sorted().filter { name in
            !configuration.region.towns.contains { $0.name == name }
        }
        let inPeriod = try Row.fetchAll(db, sql: """
            SELECT * FROM work_order WHERE dispatched_at >= ? AND dispatched_at < ? AND status IN (\(openList))
            """, arguments: [from, to]).map {
            OrderSummary.from($0, now: now, fraction: configuration.warningFraction, units: configuration.units, maskPhone: maskPhones)
        }
        let waitingRows = open.filter { $0.status == "held" || $0.status == "returned" }
        let shuangfeiRow = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS calls, SUM(CASE WHEN e.police = 1 THEN 1 ELSE 0 END) AS police,
                SUM(CASE WHEN e.shuangfei = 1 THEN 1 ELSE 0 END) AS shuangfei,
                SUM(CASE WHEN e.shuangfei = 1 AND w.work_order_id IS NOT NULL THEN 1 ELSE 0 END) AS ordered,
                SUM(CASE WHEN e.shuangfei = 1 AND w.status IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS closed
            FROM event e
            LEFT JOIN work_order_event we ON we.event_id = e.event_id
            LEFT JOIN work_order w ON w.work_order_id = we.work_order_id
            WHERE e.source = 'police110' AND e.received_at >= ? AND e.received_at < ?
            """, arguments: [from, to])!
        let sfOrdered: Int = shuangfeiRow["ordered"] ?? 0
        let sfClosed: Int = shuangfeiRow["closed"] ?? 0
        let latest = try Row.fetchAll(db, sql: """
            SELECT * FROM work_order WHERE status NOT IN ('held', 'merged') ORDER BY round_started_at DESC, work_order_id DESC LIMIT 12
            """).map { OrderSummary.from($0, now: now, fraction: configuration.warningFraction, units: configuration.units,
                                         maskPhone: maskPhones) }
        return CockpitBoard(
            from: period.from, to: period.to, now: now, figures: figures, channels: channels, rejected: rejected, events: events,
            nearlyDueNow: inPeriod.filter { !$0.nearlyDue.isEmpty && $0.overdue.isEmpty }.count,
            waiting: Waiting(held: waitingRows.filter { $0.status == "held" }.count,
                             returned: waitingRows.filter { $0.status == "returned" }.count,
                             overdue: waitingRows.filter { $0.overdue.contains("review") }.count),
            towns: ordered.compactMap { towns[$0] },
            hotspots: try HotspotSummary.recent(since: period.from.addingTimeInterval(-30 * 86_400), limit: 12,
                                                configuration: configuration, db: db, now: now),
            shuangfei: Shuangfei(calls: shuangfeiRow["calls"], policeMatters: shuangfeiRow["police"] ?? 0,
                                 shuangfei: shuangfeiRow["shuangfei"] ?? 0, ordered: sfOrdered, closed: sfClosed,
                                 closureRate: sfOrdered > 0 ? Double(sfClosed) / Double(sfOrdered) : nil),
            latest: latest,
            red: open.filter { !$0.overdue.isEmpty }.sorted { $0.resolveBy < $1.resolveBy }.prefix(30).map { $0 },
            yellow: open.filter { $0.overdue.isEmpty && !$0.nearlyDue.isEmpty }.sorted { $0.resolveBy < $1.resolveBy }.prefix(30).map { $0 },
            services: operations.health, lag: operations.lag)
    }
}
