import Foundation
import Testing

/// What the pipeline made of each input of a run, read from the topics, without ids or timestamps: per
/// source id the category, level and police decision, how the event ended (its own work order, attached to
/// the order of another input, handed back to 110, rejected) and the unit the order went to. Two runs of
/// the same input compare as sets of rows.
struct PipelineOutcome {
    struct Row: Hashable, Comparable, CustomStringConvertible {
        var sourceId: String
        var category: String
        var level: String
        var police: Bool
        /// `order`, `attached to <source id of the order's first event>`, `returned`, `rejected`, `none`;
        /// several endings joined with `+` (which is a fault of its own).
        var ending: String
        var unit: String

        static func < (lhs: Row, rhs: Row) -> Bool { lhs.description < rhs.description }
        var description: String { "\(sourceId) \(category)/\(level)\(police ? "/police" : "") \(ending) → \(unit)" }
    }

    var rows: Set<Row>

    /// The rows of every input whose source id starts with `run`.
    static func read(_ bootstrap: String, run: String) throws -> PipelineOutcome {
        var sourceOf: [String: String] = [:]  // event id → source id
        for message in try kcatConsume(bootstrap, topic: "events.accepted") {
            if let sourceId = message["sourceId"] as? String, sourceId.hasPrefix(run), let eventId = message["eventId"] as? String {
                sourceOf[eventId] = sourceId
            }
        }
        var decisions: [String: (category: String, level: String, police: Bool)] = [:]
        for message in try kcatConsume(bootstrap, topic: "events.classified") {
            guard let eventId = message["eventId"] as? String, sourceOf[eventId] != nil else { continue }
            decisions[eventId] = (message["category"] as? String ?? "?", message["level"] as? String ?? "?", message["police"] as? Bool ?? false)
        }
        var orderOf: [String: (order: String, unit: String)] = [:]  // creating event → its order
        var firstEvent: [String: String] = [:]  // order → the event it was created for
        var attachedTo: [String: Set<String>] = [:]
        for message in try kcatConsume(bootstrap, topic: "workorders.updates") {
            guard let order = message["workOrderId"] as? String else { continue }
            if message["change"] as? String == "created", let eventId = message["eventId"] as? String, sourceOf[eventId] != nil {
                orderOf[eventId] = (order, message["unitId"] as? String ?? "?")
                firstEvent[order] = eventId
            }
            if message["change"] as? String == "attached",
               let attached = (message["attachedEvent"] as? [String: Any])?["eventId"] as? String, sourceOf[attached] != nil {
                attachedTo[attached, default: []].insert(order)
            }
        }
        let unitOf = Dictionary(orderOf.values.map { ($0.order, $0.unit) }) { first, _ in first }
        var returned: Set<String> = []
        for message in try kcatConsume(bootstrap, topic: "police110.returns") {
            if let eventId = message["eventId"] as? String, sourceOf[eventId] != nil { returned.insert(eventId) }
        }
        var rows: Set<Row> = []
        for (eventId, sourceId) in sourceOf {
            var endings: [String] = []
            var units: [String] = []
            if returned.contains(eventId) { endings.append("returned") }
            if let own = orderOf[eventId] {
                endings.append("order")
                units.append(own.unit)
            }
            for order in attachedTo[eventId] ?? [] {
                endings.append("attached to \(firstEvent[order].flatMap { sourceOf[$0] } ?? "an order of no input: \(order)")")
                units.append(unitOf[order] ?? "?")
            }
            let decision = decisions[eventId] ?? ("unclassified", "-", false)
            rows.insert(Row(sourceId: sourceId, category: decision.category, level: decision.level, police: decision.police,
                            ending: endings.isEmpty ? "none" : endings.sorted().joined(separator: "+"),
                            unit: units.isEmpty ? "-" : units.sorted().joined(separator: "+")))
        }
        for message in try kcatConsume(bootstrap, topic: "events.rejected") {
            if let key = (message["sourceId"] as? String) ?? (message["originalKey"] as? String), key.hasPrefix(run) {
                rows.insert(Row(sourceId: key, category: "-", level: "-", police: false, ending: "rejected", unit: "-"))
            }
        }
        return PipelineOutcome(rows: rows)
    }
}
