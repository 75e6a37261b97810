import Foundation

/// `lag` as a table, like `kafka-consumer-groups --describe`: one block per group, one row per partition.
enum LagTable {
    static func render(_ report: LagReport, onlyProblems: Bool = false) -> String {
        var out = ""
        for group in report.groups {
            out += "GROUP \(group.group)  status \(group.status.rawValue)  state \(group.state)  members \(group.members)  lag \(group.totalLag)"
            if let reason = group.reason { out += "\n  \(reason)" }
            out += "\n"
            let rows = group.partitions.filter { !onlyProblems || $0.status != .ok }
            guard !rows.isEmpty else {
                out += "\n"
                continue
            }
            let header = ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "STATUS", "OWNER"]
            let cells = rows.map { row in
                [row.topic, "\(row.partition)", row.committed.map { "\($0)" } ?? "-", "\(row.end)", "\(row.lag)",
                 row.status.rawValue + (row.complete ? "" : "?"), row.owner ?? "-"]
            }
            let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
            for line in [header] + cells {
                out += "  " + line.enumerated().map { index, cell in
                    index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }.joined(separator: "  ") + "\n"
            }
            for row in rows where row.reason != nil && row.status != .ok {
                out += "  \(row.topic)/\(row.partition) \(row.status.rawValue): \(row.reason!)\n"
            }
            out += "\n"
        }
        if report.groups.contains(where: { $0.partitions.contains { !$0.complete } }) {
            out += "? = not enough samples yet to judge (see --samples)\n"
        }
        return out
    }
}
