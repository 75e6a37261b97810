import MinshengKafka
import MinshengPlatform

/// The catalogue compared with what the broker has, topic by topic.
struct TopicCheck: Sendable, Equatable {
    struct Finding: Sendable, Equatable {
        var topic: String
        var wantedPartitions: Int32
        /// Nil: the topic is missing.
        var partitions: Int32?
        /// Settings whose value differs from the catalogue's: key, wanted, actual.
        var settingDifferences: [SettingDifference]
        /// Topics that must have as many partitions as this one (`TopicCatalog.coPartitioned`) but have
        /// another count.
        var coPartitionDifferences: [CoPartitionDifference] = []

        var missing: Bool { partitions == nil }
        /// Fewer partitions than the catalogue's: fewer instances can share the work. (More is only noted.)
        var tooFewPartitions: Bool { (partitions ?? wantedPartitions) < wantedPartitions }
        var isProblem: Bool { missing || tooFewPartitions || !settingDifferences.isEmpty || !coPartitionDifferences.isEmpty }

        var summary: String {
            guard let partitions else { return "MISSING" }
            var parts: [String] = []
            if partitions < wantedPartitions { parts.append("only \(partitions) partitions") }
            if partitions > wantedPartitions { parts.append("note: \(partitions) partitions, more than the \(wantedPartitions) needed") }
            for other in coPartitionDifferences {
                parts.append("must have as many partitions as \(other.topic) (\(other.partitions))")
            }
            for difference in settingDifferences {
                parts.append("\(difference.key)=\(difference.actual ?? "unset") (want \(difference.wanted))")
            }
            return isProblem ? parts.joined(separator: "; ") : (["ok"] + parts).joined(separator: "; ")
        }
    }

    /// A co-partitioned topic with another partition count.
    struct CoPartitionDifference: Sendable, Equatable {
        var topic: String
        var partitions: Int32
    }

    struct SettingDifference: Sendable, Equatable {
        var key: String
        var wanted: String
        var actual: String?
    }

    var findings: [Finding]

    var problems: [Finding] { findings.filter(\.isProblem) }

    /// `partitionCounts`: every topic on the broker; `configs`: the settings of the catalogue topics that
    /// exist; `coPartitioned`: groups of topics that must have the same number of partitions.
    init(catalogue: [TopicSpec], partitionCounts: [String: Int32], configs: [String: [String: TopicConfigEntry]],
         coPartitioned: [[String]] = TopicCatalog.coPartitioned) {
        findings = catalogue.map { spec in
            let differences = spec.config.sorted { $0.key < $1.key }.compactMap { key, wanted -> SettingDifference? in
                guard partitionCounts[spec.name] != nil else { return nil }
                let actual = configs[spec.name]?[key]?.value
                return actual == wanted ? nil : SettingDifference(key: key, wanted: wanted, actual: actual)
            }
            var finding = Finding(topic: spec.name, wantedPartitions: spec.partitions, partitions: partitionCounts[spec.name],
                                  settingDifferences: differences)
            if let count = partitionCounts[spec.name] {
                for group in coPartitioned where group.contains(spec.name) {
                    for other in group where other != spec.name {
                        if let otherCount = partitionCounts[other], otherCount != count {
                            finding.coPartitionDifferences.append(CoPartitionDifference(topic: other, partitions: otherCount))
                        }
                    }
                }
            }
            return finding
        }
    }

    func render() -> String {
        let rows = findings.map { [$0.topic, "\($0.wantedPartitions)", $0.partitions.map { "\($0)" } ?? "-", $0.summary] }
        let header = ["TOPIC", "WANT", "HAVE", "STATUS"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
