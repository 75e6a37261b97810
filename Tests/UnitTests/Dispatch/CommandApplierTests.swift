import Foundation
import GRDB
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// The owner's side of an API write that came as a command (docs/scaling.md): applied like the API did
/// in one process, refused with the API's status and error and nothing written, applied once however
/// often it is delivered, and a merge into an order of another partition handed to that owner.
@Suite("Dispatch: commands applied by the owner")
struct CommandApplierTests {
    let fixture = try! DispatchFixture()
    var applier: CommandApplier { CommandApplier(configuration: fixture.store, logger: fixture.logger) }
    var handler: CommandHandler { CommandHandler(applier: applier) }

    /// Delivers `command` on `partition` of dispatch.commands as the consumer would; returns the reply written.
    @discardableResult
    func deliver(_ command: WorkOrderCommand, partition: Int32 = 0) throws -> WorkOrderCommandReply? {
        let message = KafkaMessage(topic: Topics.dispatchCommands, partition: partition, offset: 0,
                                   key: Array((command.workOrderId ?? "").utf8), value: try MessageCoding.encode(command))
        let now = fixture.clock.now()
        return try fixture.database.writer.write { db in
            try handler.handle(message, db: db, now: now)
            return try Row.fetchOne(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY id DESC LIMIT 1",
                                    arguments: [Topics.dispatchReplies])
                .map { try MessageCoding.decode(WorkOrderCommandReply.self, from: Array($0["payload"] as Data)) }
        }
    }

    func command(_ action: WorkOrderDesk.Command, on id: String, as unitId: String, requestId: String = UUID().uuidString) -> WorkOrderCommand {
        WorkOrderCommand(action, on: id, by: fixture.caller(unitId), commandId: "cmd-" + requestId,
                         replyTo: .init(instanceId: "dispatch-x", requestId: requestId), issuedAt: fixture.clock.now())
    }

    @Test func aCommandIsAppliedOnceAndAnsweredToItsInstance() throws {
        let order = try fixture.dispatch(fixture.classified("三港路占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: order.unitId)
        let progress = command(.addProgress(note: "已到现场"), on: order.workOrderId, as: order.unitId)
        let reply = try #require(try deliver(progress))
        #expect(reply.refusal == nil, "\(reply)")
        #expect(reply.status == 200 && reply.instanceId == "dispatch-x" && reply.requestId == progress.replyTo?.requestId)
        #expect(reply.order?.timeline.last?.note == "已到现场")
        // Redelivered (a new owner after a hand-over): answered, not applied again.
        let again = try #require(try deliver(progress))
        #expect(again.status == 200 && again.order?.version == reply.order?.version)
        #expect(try fixture.order(order.workOrderId).timeline.filter { $0.change == "progress" }.count == 1)
        // The order's changelog record remembers the command, so a new owner would too.
        let record = try fixture.database.writer.read { db in try WorkOrderChangelog.record(of: order.workOrderId, db: db, now: Date()) }
        #expect(record?.commandIds == [progress.commandId])
    }

    @Test func aRefusalComesBackWithTheAPIsStatusAndWritesNothing() throws {
        let order = try fixture.dispatch(fixture.classified("三港路占道经营", category: .urbanManagement, level: .normal, town: "当湖街道"))
        let before = try fixture.order(order.workOrderId)
        let resolve = try #require(try deliver(command(.resolve(result: "x", note: nil), on: order.workOrderId, as: "centre")))
        #expect(resolve.status == 409 && resolve.refusal?.error == "illegal_transition" && resolve.order == nil)
        let theirs = try #require(try deliver(command(.sign(note: nil), on: order.workOrderId, as: "city-market")))
        #expect(theirs.status == 404 && theirs.refusal?.error == "not_found")
        let missing = try #require(try deliver(command(.sign(note: nil), on: "WO20990101-0-000001", as: "centre")))
        #expect(missing.status == 404 && missing.refusal?.message == "no work order WO20990101-0-000001")
        #expect(try fixture.order(order.workOrderId) == before)
        let applied = try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM work_order_command") }
        #expect(applied == 0)
    }

    @Test func aHotspotTaskBelongsToThePartitionItCameIn() throws {
        let task = WorkOrderDesk.HotspotTask(
            alertId: "hs-test-1", source: .web, category: .urbanManagement, level: .normal, town: "当湖街道", village: nil,
            text: "梅湾街停车收费集中反映", unitId: "city-urban", coUnitIds: [], resolveBy: nil, note: nil)
        let message = WorkOrderCommand(task, by: fixture.caller("centre"), commandId: "cmd-hs", replyTo: .init(instanceId: "d", requestId: "r"),
                                       issuedAt: fixture.clock.now())
        let reply = try #require(try deliver(message, partition: 5))
        #expect(reply.status == 201)
        #expect(reply.order?.workOrderId.hasPrefix("WO20261123-5-") == true)
        // Delivered again: the same order, not a conflict.
        let again = try #require(try deliver(message, partition: 5))
        #expect(again.status == 201 && again.order?.workOrderId == reply.order?.workOrderId)
    }

    @Test func aMergeIntoAnotherPartitionsOrderHandsTheEventsToItsOwner() throws {
        // The held report in partition 1, the open order in partition 2 (this instance has its copy).
        let target = fixture.classified("东湖小区车库渗水", category: .housing, level: .normal, town: "当湖街道")
        var held = fixture.classified("车库顶上漏水物业不管", category: .other, level: .normal, town: "当湖街道")
        held.needsReview = true
        for (event, partition) in [(target, Int32(2)), (held, Int32(1))] {
            let message = KafkaMessage(topic: Topics.eventsClassified, partition: partition, offset: 0,
                                       key: Array(event.eventId.utf8), value: try MessageCoding.encode(event))
            let now = fixture.clock.now()
            try fixture.database.writer.write { db in try fixture.handler.handle(message, db: db, now: now) }
        }
        let ids = try fixture.database.writer.read { db in
            (try #require(try WorkOrderStore.workOrderId(containing: target.eventId, db: db)),
             try #require(try WorkOrderStore.workOrderId(containing: held.eventId, db: db)))
        }
        try #require(try fixture.order(ids.1).status == .held, "the shipped review rules hold what the classifier is unsure of")
        let merge = try #require(try deliver(command(.merge(into: ids.0, note: "同一车库"), on: ids.1, as: "centre"), partition: 1))
        #expect(merge.status == 200 && merge.order?.status == .merged && merge.order?.mergedInto == ids.0)
        // Not attached here: a command to the target's owner carries the events.
        #expect(try fixture.order(ids.0).events?.count == 1)
        let handed = try fixture.database.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT target_partition, payload FROM outbox WHERE topic = ? ORDER BY id DESC LIMIT 1",
                             arguments: [Topics.dispatchCommands])
        }
        let row = try #require(handed)
        #expect(row["target_partition"] as Int32? == 2)
        let attach = try MessageCoding.decode(WorkOrderCommand.self, from: Array(row["payload"] as Data))
        #expect(attach.action == "attach_merged" && attach.workOrderId == ids.0 && attach.merged?.events.map(\.eventId) == [held.eventId])
        // The target's owner attaches them.
        try deliver(attach, partition: 2)
        let joined = try fixture.order(ids.0)
        #expect(joined.events?.map(\.eventId) == [target.eventId, held.eventId])
        #expect(joined.timeline.last?.change == "attached")
    }
}
