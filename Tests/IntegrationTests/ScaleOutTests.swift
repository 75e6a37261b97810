import Foundation
import MinshengModel
import MinshengPlatform
import Testing

extension ServiceStacks {
    /// Services running as several instances with their state partitioned (docs/scaling.md), as real
    /// processes on a broker of their own: nothing lost, nothing twice, whichever instance a message or a
    /// request reaches, also when an instance is killed and replaced by one with an empty disk.
    @Suite("Scale-out: several instances per service", .enabled(if: TestBroker.enabled), .serialized)
    struct ScaleOutTests {
        @Test func threeIntakeInstancesTakeEveryEventOnceAndAReplacementWithAnEmptyDiskCarriesOn() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0)
            defer { stack.stopAll() }
            // One at a time, each waited for until it holds partitions (several members joining at once can
            // leave a group half-formed on the local broker: docs/scaling.md).
            try await stack.launchReplicas([.intake], 1...2)
            let ports = [stack.ports[.intake]!, stack.replicaPort(.intake, 1)!, stack.replicaPort(.intake, 2)!]
            let sender = ["Authorization": "Bearer " + DemoToken.sender("service-stations")]

            // Over HTTP: each event posted to one instance, then "retried" on another: one event, one id.
            var burst = Burst(size: 180)
            var httpIds: [String: Set<String>] = [:]
            var extra: Set<String> = []
            for index in 0..<12 {
                let id = "\(burst.run)-http-\(index)"
                let body = Burst.event(id: id, text: "服务站登记：路灯坏了第\(index)号", place: Burst.places[index % Burst.places.count])
                for port in [ports[index % 3], ports[(index + 1) % 3]] {
                    let (status, answer) = try await stack.postOn(port: port, "/v1/events/walkin", body: body, headers: sender)
                    #expect(status == 202)
                    let json = try JSONSerialization.jsonObject(with: answer) as? [String: Any]
                    httpIds[id, default: []].insert(json?["eventId"] as? String ?? "?")
                }
                extra.insert(id)
            }
            #expect(httpIds.values.allSatisfy { $0.count == 1 }, "a retry on another instance got another id: \(httpIds)")

            // Over Kafka: a burst; in the middle, one instance dies and a replacement with an empty disk
            // comes back under its id (on the local broker a dead member is never expired).
            burst.extraAccepted = extra
            try burst.publish(0..<90, to: broker.address)
            try burst.publishPoison(to: broker.address)
            _ = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                try Accounting.endedCount(broker.address, run: burst.run) > 20 ? true : nil
            }
            stack.kill9Replica(.intake, 1)
            let logBefore = stack.replicaLog(.intake, 1).utf8.count
            try burst.publish(90..<burst.inbound.count, to: broker.address)
            try await Task.sleep(for: .seconds(1))
            try stack.launchReplica(.intake, 1, emptyDisk: true)
            try await stack.waitUntilReplicaReady(.intake, 1)
            // Repeats of earlier valid events, sent again over Kafka after the hand-over: still one event each.
            var repeats = burst
            repeats.inbound = burst.inbound.prefix(30).filter { !burst.malformed.contains($0.key) }
            try repeats.publish(0..<repeats.inbound.count, to: broker.address)

            let accounting = try await Accounting.settle(broker.address, burst: burst, receiver: stack.receiver, timeout: .seconds(150))
            accounting.expectComplete(burst, logs: stack.directory)
            // Every HTTP event became exactly the event its answers named.
            for (id, eventIds) in httpIds { #expect(accounting.accepted[id].map { eventIds.contains($0) } == true, "\(id)") }
            // The replacement restored the memory of the intake.requests partitions it holds (only those have
            // state; the inbound topics have none).
            let holdsState = stack.assignedPartitions(.intake, 1, after: logBefore).contains { $0.hasPrefix(Topics.intakeRequests + "/") }
            let replacement = String(decoding: Array(stack.replicaLog(.intake, 1).utf8.dropFirst(logBefore)), as: UTF8.self)
            #expect(!holdsState || replacement.contains("Partition state restored"), "the replacement restored nothing")
            #expect(!stack.assignedPartitions(.intake, 1, after: logBefore).isEmpty, "the replacement holds no partition")
        }
    }
}
