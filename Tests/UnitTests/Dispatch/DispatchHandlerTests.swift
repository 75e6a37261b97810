import Foundation
import GRDB
import Logging
import MinshengKafka
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengDispatch

@Suite("Dispatch: classified event to work order")
struct DispatchHandlerTests {
    let fixture = try! DispatchFixture()
    var now: Date { fixture.clock.now() }

    @Test func aWorkOrderIsCreatedForTheRoutedUnitWithDeadlinesByLevel() throws {
        let event = fixture.classified("三港路占道经营", category: .urbanManagement, level: .urgent, town: "当湖街道")
        try fixture.deliver(event)
        let update = try #require(try fixture.updates().first)
        #expect(update.change == .created)
        #expect(update.sequence == 1)
        #expect(update.actor == "dispatch")
        #expect(update.unitId == "danghu-team")
        #expect(update.unitName == "当湖街道民声一键办服务队")
        #expect(update.workOrderId == "WO20261123-0-000001")
        #expect(update.signBy == now.addingTimeInterval(30 * 60))
        #expect(update.resolveBy == now.addingTimeInterval(3 * 24 * 3600))
        #expect(update.onSiteBy == nil)
        #expect(update.coUnitIds == nil)
        let stored = try fixture.order(update.workOrderId)
        #expect(stored.eventId == event.eventId)
        #expect(stored.status == .dispatched)
        #expect(stored.round == 1)
        #expect(stored.timeline.map(\.change) == ["created"])
        #expect(stored.events?.map(\.eventId) == [event.eventId])
        #expect(try fixture.pendingTimers(update.workOrderId).map(\.kind)
                == [.signWarning, .signOverdue, .resolveWarning, .resolveOverdue])
    }

    @Test func aCriticalOrderHasAnOnSiteDeadline() throws {
        let order = try fixture.dispatch(fixture.classified("化工厂起火", category: .safety, level: .critical, town: "独山港镇"))
        #expect(order.onSiteBy == now.addingTimeInterval(15 * 60))
        #expect(try fixture.updates().first?.onSiteBy == now.addingTimeInterval(15 * 60))
        #expect(try fixture.pendingTimers(order.workOrderId).count == 6)
    }

    @Test func anOrdinaryNeighbourQuarrelGoesToTheVillageGridTeam() throws {
        let order = try fixture.dispatch(fixture.classified("邻居装修噪音吵架", category: .dispute, level: .normal,
                                                            town: "当湖街道", village: "东湖社区"))
        #expect(order.unitId == "danghu-donghu-grid")
    }

    @Test func aGroupWageArrearsCaseGoesToTheTownWithTheLabourBureau() throws {
        let order = try fixture.dispatch(fixture.classified("二十多名工人讨薪", category: .labor, level: .urgent, town: "新仓镇"))
        #expect(order.unitId == "xincang-team")
        #expect(order.coUnitIds == ["city-hrss"])
        #expect(try fixture.updates().first?.coUnitIds == ["city-hrss"])
    }

    @Test func theSameEventTwiceMakesOneWorkOrder() throws {
        let event = fixture.classified("拖欠工资", category: .labor, level: .normal, town: nil)
        try fixture.deliver(event, offset: 1)
        try fixture.deliver(event, offset: 7)  // re-published by classification after a crash
        #expect(try fixture.updates().count == 1)
    }

    @Test func aRepeatReportIsAttachedToTheOpenWorkOrderNotDispatchedAgain() throws {
        let first = fixture.classified("梅湾停车场乱收费", category: .market, level: .normal, town: "当湖街道", reporter: "王女士")
        let order = try fixture.dispatch(first)
        let repeatReport = fixture.classified("梅湾停车场收费太贵", source: .web, category: .market, level: .normal,
                                              town: "当湖街道", duplicateOf: first.eventId, reporter: "李先生")
        try fixture.deliver(repeatReport)
        let updates = try fixture.updates()
        #expect(updates.map(\.change) == [.created, .attached])
        let attached = try #require(updates.last)
        #expect(attached.workOrderId == order.workOrderId)
        #expect(attached.eventId == first.eventId)  // keyed by the order's event: same partition, in order
        #expect(attached.sequence == 2)
        #expect(attached.attachedEvent == .init(eventId: repeatReport.eventId, source: .web, sourceId: repeatReport.sourceId,
                                                reporter: Reporter(name: "李先生", phone: "13800000000")))
        let stored = try fixture.order(order.workOrderId)
        #expect(stored.events?.map(\.eventId) == [first.eventId, repeatReport.eventId])
        #expect(stored.events?.compactMap(\.reporter?.name) == ["王女士", "李先生"])
        #expect(stored.timeline.map(\.change) == ["created", "attached"])
        // Its own id now finds the order; delivering it again changes nothing.
        try fixture.deliver(repeatReport, offset: 3)
        #expect(try fixture.updates().count == 2)
        let listed = try fixture.database.writer.read { db in
            var query = WorkOrderQuery()
            query.eventId = repeatReport.eventId
            return try WorkOrderStore.list(query, db: db, now: now).items
        }
        #expect(listed.map(\.workOrderId) == [order.workOrderId])
    }

    @Test func aRepeatOfAnAttachedReportJoinsTheSameOrder() throws {
        let first = fixture.classified("a", category: .market, level: .normal, town: nil)
        let order = try fixture.dispatch(first)
        let second = fixture.classified("b", category: .market, level: .normal, town: nil, duplicateOf: first.eventId)
        try fixture.deliver(second)
        try fixture.deliver(fixture.classified("c", category: .market, level: .normal, town: nil, duplicateOf: second.eventId))
        #expect(try fixture.order(order.workOrderId).events?.count == 3)
    }

    @Test func aRepeatOfAClosedOrderGetsAWorkOrderOfItsOwn() throws {
        let first = fixture.classified("路灯坏了", category: .utilities, level: .normal, town: "钟埭街道")
        let order = try fixture.dispatch(first)
        try fixture.perform(.sign(note: nil), on: order.workOrderId, as: order.unitId)
        try fixture.perform(.resolve(result: "已修复", note: nil), on: order.workOrderId, as: order.unitId)
        try fixture.perform(.recordFeedback(satisfied: true, comment: nil), on: order.workOrderId, as: "centre")
        let again = fixture.classified("路灯又坏了", category: .utilities, level: .normal, town: "钟埭街道", duplicateOf: first.eventId)
        let second = try fixture.dispatch(again)
        #expect(second.workOrderId != order.workOrderId)
        #expect(try fixture.order(order.workOrderId).events?.count == 1)
    }

    @Test func aRepeatOfAnUnknownEventIsDispatchedNormally() throws {
        let order = try fixture.dispatch(fixture.classified("x", category: .market, level: .low, town: nil, duplicateOf: "ev-unknown"))
        #expect(order.status == .dispatched)
        #expect(try fixture.updates().map(\.change) == [.created])
    }

    @Test func a110PoliceMatterIsNotDispatched() throws {
        try fixture.deliver(fixture.classified("持刀抢劫", source: .police110, category: .publicOrder, level: .critical,
                                               police: true, town: nil))
        #expect(try fixture.updates().isEmpty)
        let returns = try fixture.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM police_return") }
        #expect(returns == 1)
    }

    @Test func aPoliceMatterFromTheHotlineGoesToThePolice() throws {
        try fixture.deliver(fixture.classified("家里被偷了", category: .publicOrder, level: .urgent, police: true, town: "新埭镇"))
        #expect(try fixture.updates().first?.unitId == "city-police")
    }

    @Test func workOrderNumbersCountPerDay() throws {
        try fixture.deliver(fixture.classified("a", category: .other, level: .low, town: nil))
        try fixture.deliver(fixture.classified("b", category: .other, level: .low, town: nil))
        #expect(try fixture.updates().map(\.workOrderId) == ["WO20261123-0-000001", "WO20261123-0-000002"])
    }

    @Test func anUnknownSchemaVersionIsUnprocessable() throws {
        var event = fixture.classified("x", category: .other, level: .low, town: nil)
        event.schemaVersion = 9
        #expect(throws: UnprocessableMessage.self) { try fixture.deliver(event) }
        let message = KafkaMessage(topic: Topics.eventsClassified, partition: 0, offset: 0, key: nil, value: Array("{}".utf8))
        #expect(throws: UnprocessableMessage.self) {
            try fixture.database.writer.write { db in try fixture.handler.handle(message, db: db, now: now) }
        }
    }
}
