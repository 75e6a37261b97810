import Foundation
import GRDB
import MinshengModel

/// The filters of `GET /v1/workorders` (and of `/v1/stats`): every one optional, all must hold.
struct WorkOrderQuery: Sendable, Equatable {
    var source: Source?
    var sourceId: String?
    var eventId: String?
    /// Orders the unit leads or co-operates on.
    var unitId: String?
    var town: String?
    var statuses: Set<WorkOrderStatus>?
    var level: Level?
    var category: Category?
    /// true: only orders with a deadline passed and unmet now; false: only the others.
    var overdue: Bool?
    /// Dispatched at or after.
    var from: Date?
    /// Dispatched before.
    var to: Date?
    var limit = 50
    /// Where the previous page ended (`nextCursor`).
    var cursor: Int?
    /// Set for a unit's own calls: only the orders it leads or co-operates on.
    var visibleTo: String?

    static let maximumLimit = 500

    /// Reads the query parameters; a bad value names its parameter.
    init(parameters: [String: String]) throws(WorkOrderError) {
        func parse<T>(_ name: String, _ convert: (String) -> T?, expected: String) throws(WorkOrderError) -> T? {
            guard let raw = parameters[name], !raw.isEmpty else { return nil }
            guard let value = convert(raw) else { throw .invalidField(field: name, message: "\(name) must be \(expected)") }
            return value
        }
        source = try parse("source", Source.init(rawValue:), expected: "one of \(Source.allCases.map(\.rawValue).joined(separator: ", "))")
        sourceId = parameters["sourceId"].flatMap { $0.isEmpty ? nil : $0 }
        eventId = parameters["eventId"].flatMap { $0.isEmpty ? nil : $0 }
        unitId = parameters["unit"].flatMap { $0.isEmpty ? nil : $0 }
        town = parameters["town"].flatMap { $0.isEmpty ? nil : $0 }
        statuses = try parse("status", { raw in
            let parsed = raw.split(separator: ",").map { WorkOrderStatus(rawValue: String($0)) }
            return parsed.contains(nil) || parsed.isEmpty ? nil : Set(parsed.compactMap { $0 })
        }, expected: "one or more of \(WorkOrderStatus.allCases.map(\.rawValue).joined(separator: ", ")), separated by commas")
        level = try parse("level", Level.init(rawValue:), expected: "one of \(Level.allCases.map(\.rawValue).joined(separator: ", "))")
        category = try parse("category", Category.init(rawValue:), expected: "a category code, e.g. market")
        overdue = try parse("overdue", { ["true": true, "false": false][$0] }, expected: "true or false")
        from = try parse("from", MessageCoding.parseTimestamp, expected: "an ISO 8601 date-time with an offset")
        to = try parse("to", MessageCoding.parseTimestamp, expected: "an ISO 8601 date-time with an offset")
        if let from, let to, to <= from { throw .invalidField(field: "to", message: "to must be after from") }
        limit = try parse("limit", { Int($0).flatMap { (1...Self.maximumLimit).contains($0) ? $0 : nil } },
                          expected: "1-\(Self.maximumLimit)") ?? 50
        cursor = try parse("cursor", { Int($0).flatMap { $0 > 0 ? $0 : nil } }, expected: "a nextCursor from an earlier page")
    }

    init() {}

    /// The SQL conditions on `work_order` and their arguments.
    func sqlConditions(now: Date) -> (conditions: [String], arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func add(_ condition: String, _ values: [any DatabaseValueConvertible]) {
            conditions.append(condition)
            arguments += StatementArguments(values)
        }
        // By the sender's id: the report that created the order or any report attached to it (并案).
        switch (source, sourceId) {
        case let (source?, sourceId?):
            add("work_order_id IN (SELECT work_order_id FROM work_order_event WHERE source = ? AND source_id = ?)",
                [source.rawValue, sourceId])
        case let (source?, nil):
            add("source = ?", [source.rawValue])
        case let (nil, sourceId?):
            add("work_order_id IN (SELECT work_order_id FROM work_order_event WHERE source_id = ?)", [sourceId])
        case (nil, nil):
            break
        }
        if let eventId {
            add("work_order_id IN (SELECT work_order_id FROM work_order_event WHERE event_id = ?)", [eventId])
        }
        for unit in [unitId, visibleTo].compactMap({ $0 }) {
            add("(unit_id = ? OR work_order_id IN (SELECT work_order_id FROM work_order_co_unit WHERE unit_id = ?))", [unit, unit])
        }
        if let town { add("town = ?", [town]) }
        if let statuses {
            add("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))", statuses.map(\.rawValue).sorted())
        }
        if let level { add("level = ?", [level.rawValue]) }
        if let category { add("category = ?", [category.rawValue]) }
        if let overdue {
            let (condition, values) = Self.overdueCondition(now: now)
            add(overdue ? condition : "NOT \(condition)", values)
        }
        if let from { add("dispatched_at >= ?", [MessageCoding.formatTimestamp(from)]) }
        if let to { add("dispatched_at < ?", [MessageCoding.formatTimestamp(to)]) }
        return (conditions, arguments)
    }

    /// Some deadline of the current round has passed at `now` while its status says it is unmet
    /// (the same rule as `WorkOrder.unmetDeadlines(at:)`).
    static func overdueCondition(now: Date) -> (String, [any DatabaseValueConvertible]) {
        func statuses(_ kind: DeadlineTimer.Kind) -> String {
            kind.pendingStatuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",")
        }
        let at = MessageCoding.formatTimestamp(now)
        return ("""
            ((status IN (\(statuses(.signOverdue))) AND sign_by <= ?) \
            OR (status IN (\(statuses(.onSiteOverdue))) AND on_site_by IS NOT NULL AND on_site_by <= ?) \
            OR (status IN (\(statuses(.resolveOverdue))) AND resolve_by <= ?) \
            OR (status IN (\(statuses(.reviewOverdue))) AND review_by IS NOT NULL AND review_by <= ?))
            """, [at, at, at, at])
    }
}
