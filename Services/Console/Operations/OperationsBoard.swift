import Foundation
import Synchronization

/// What the screen shows of the system itself: each service's readiness and each consumer group's lag
/// with its state (`LagStatus`). Filled by `OperationsMonitor`; read by the cockpit.
final class OperationsBoard: Sendable {
    struct GroupLag: Codable, Sendable, Equatable {
        var group: String
        var lag: Int64
        var status: LagStatus
        var topics: [TopicLag]
        var sampledAt: Date?
    }

    struct TopicLag: Codable, Sendable, Equatable {
        var topic: String
        var lag: Int64
        /// Partitions the group has never committed on.
        var uncommitted: Int
    }

    private struct State {
        var health: [String: ServiceHealth] = [:]
        var history: [String: [[GroupLagProbe.Sample]]] = [:]
        var sampledAt: Date?
    }

    private let state = Mutex(State())
    let groups: [String]
    let services: [String]

    init(groups: [String], services: [String]) {
        self.groups = groups
        self.services = services
    }

    func record(_ health: ServiceHealth) {
        state.withLock { $0.health[health.service] = health }
    }

    func record(_ samples: [GroupLagProbe.Sample], at date: Date) {
        state.withLock { state in
            for group in groups {
                let mine = samples.filter { $0.group == group }
                guard !mine.isEmpty else { continue }
                state.history[group, default: []].append(mine)
                if state.history[group]!.count > LagStatus.window { state.history[group]!.removeFirst() }
            }
            state.sampledAt = date
        }
    }

    var health: [ServiceHealth] {
        state.withLock { state in services.compactMap { state.health[$0] } }
    }

    var lag: [GroupLag] {
        state.withLock { state in
            groups.map { group in
                let history = state.history[group] ?? []
                let latest = history.last ?? []
                let service = group.hasPrefix("minsheng-") ? String(group.dropFirst("minsheng-".count)) : group
                let up = state.health[service].map { $0.state != .unreachable }
                var topics: [String: TopicLag] = [:]
                for sample in latest {
                    topics[sample.topic, default: TopicLag(topic: sample.topic, lag: 0, uncommitted: 0)].lag += sample.lag
                    if sample.committed == nil { topics[sample.topic]!.uncommitted += 1 }
                }
                return GroupLag(group: group, lag: latest.reduce(0) { $0 + $1.lag },
                                status: LagStatus.evaluate(history, serviceUp: up),
                                topics: topics.values.sorted { $0.topic < $1.topic }, sampledAt: history.isEmpty ? nil : state.sampledAt)
            }
        }
    }
}
