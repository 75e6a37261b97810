import Foundation

/// A lag report in the Prometheus text format, with the names the common Kafka exporters use
/// (kafka_exporter: `kafka_consumergroup_lag`, `kafka_consumergroup_current_offset`,
/// `kafka_topic_partition_current_offset`, `kafka_consumergroup_lag_sum`) plus Burrow's status.
/// Rendered whole from each report, so a group or partition that is gone disappears.
enum LagExposition {
    static func render(_ report: LagReport, readErrors: Int, lastSuccess: Date?) -> String {
        var families: [(name: String, type: String, help: String, samples: [String])] = []
        func family(_ name: String, _ type: String, _ help: String, _ samples: [String]) {
            families.append((name, type, help, samples))
        }
        func labels(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        let rows = report.groups.flatMap { group in group.partitions.map { (group, $0) } }
        family("kafka_consumergroup_lag", "gauge", "End offset minus the group's committed offset, read from the broker.",
               rows.map { group, row in "kafka_consumergroup_lag\(labels([("group", group.group), ("topic", row.topic), ("partition", "\(row.partition)")])) \(row.lag)" })
        family("kafka_consumergroup_current_offset", "gauge", "The group's committed offset (the next offset it will read).",
               rows.compactMap { group, row in row.committed.map { "kafka_consumergroup_current_offset\(labels([("group", group.group), ("topic", row.topic), ("partition", "\(row.partition)")])) \($0)" } })
        var topicOffsets: [String: Int64] = [:]
        for (_, row) in rows { topicOffsets["\(row.topic)\u{0}\(row.partition)"] = row.end }
        family("kafka_topic_partition_current_offset", "gauge", "The partition's end offset (the offset the next message gets).",
               topicOffsets.sorted { $0.key < $1.key }.map { key, end in
                   let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
                   return "kafka_topic_partition_current_offset\(labels([("topic", String(parts[0])), ("partition", String(parts[1]))])) \(end)"
               })
        var sums: [String: (group: String, topic: String, lag: Int64)] = [:]
        for (group, row) in rows { sums["\(group.group)\u{0}\(row.topic)", default: (group.group, row.topic, 0)].lag += row.lag }
        family("kafka_consumergroup_lag_sum", "gauge", "The group's lag summed over the topic's partitions.",
               sums.sorted { $0.key < $1.key }.map { _, sum in "kafka_consumergroup_lag_sum\(labels([("group", sum.group), ("topic", sum.topic)])) \(sum.lag)" })
        family("kafka_consumergroup_members", "gauge", "Members of the consumer group.",
               report.groups.map { "kafka_consumergroup_members\(labels([("group", $0.group)])) \($0.members)" })
        family("minsheng_consumergroup_status", "gauge",
               "Burrow-style status of the group on the partition: 0 OK, 1 WARNING, 2 STALLED, 3 STOPPED, 4 ERROR.",
               rows.map { group, row in "minsheng_consumergroup_status\(labels([("group", group.group), ("topic", row.topic), ("partition", "\(row.partition)")])) \(row.status.code)" })
        family("minsheng_consumergroup_group_status", "gauge",
               "Burrow-style status of the group: its worst partition, or 4 (ERROR) when it cannot be read.",
               report.groups.map { "minsheng_consumergroup_group_status\(labels([("group", $0.group)])) \($0.status.code)" })
        family("minsheng_lag_read_errors_total", "counter", "Readings of the broker that failed.",
               ["minsheng_lag_read_errors_total \(readErrors)"])
        family("minsheng_lag_last_read_timestamp_seconds", "gauge", "When the broker was last read successfully (Unix time).",
               ["minsheng_lag_last_read_timestamp_seconds \(lastSuccess.map { String(format: "%.3f", $0.timeIntervalSince1970) } ?? "0")"])
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples { out += sample + "\n" }
        }
        return out
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
