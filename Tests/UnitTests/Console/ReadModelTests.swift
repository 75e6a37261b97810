import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengConsole
@testable import MinshengDispatch

/// The console's read model against the real thing: dispatch's desk lives through a busy day (signed on
/// time and late, returned and approved or refused, escalated, reopened, held and released, answered,
/// merged, a hotspot task, a repeat), its `workorders.updates` messages feed the console, and the
/// console's figures must be exactly what dispatch's `/v1/stats` computes, for any period, town, unit
/// and moment.
@Suite("Console read model")
struct ReadModelTests {
    let dispatch = try! DispatchFixture()
    let console = try! ConsoleFixture()

    /// A day of work at dispatch; returns the ids of the orders by name.
    func busyDay() async throws -> [String: String] {
        let d = dispatch
        var ids: [String: String] = [:]
        func event(_ text: String, _ category: MinshengModel.Category, _ level: Level, town: String?, village: String? = nil,
                   type: RequestType? = nil, unsure: Bool? = nil, duplicateOf: String? = nil) -> ClassifiedEvent {
            var accepted = TestSupport.accepted(text, requestType: type)
            accepted.reporter = Reporter(name: "王女士", phone: "13800000000")
            return ClassifiedEvent(accepted: accepted, category: category, level: level, police: false, shuangfei: false, town: town,
                                   village: village, grid: nil, confidence: 0.8, explanation: "test", duplicateOf: duplicateOf,
                                   needsReview: unsure, classifiedAt: d.clock.now())
        }
        let marketEvent = event("停车乱收费", .market, .normal, town: "当湖街道")
        ids["market"] = try d.dispatch(marketEvent).workOrderId
        ids["street"] = try d.dispatch(event("占道经营", .urbanManagement, .normal, town: "当湖街道")).workOrderId
        ids["quarrel"] = try d.dispatch(event("邻里纠纷动手", .dispute, .urgent, town: "当湖街道", village: "东湖社区")).workOrderId
        ids["consult"] = try d.dispatch(event("高龄补贴怎么申领", .socialSecurity, .low, town: "钟埭街道", type: .consult)).workOrderId
        ids["unsure"] = try d.dispatch(event("车库渗水", .other, .normal, town: "当湖街道", unsure: true)).workOrderId
        ids["again"] = try d.dispatch(event("又乱收费了", .other, .normal, town: "当湖街道", unsure: true)).workOrderId
        ids["refused"] = try d.dispatch(event("路灯不亮", .urbanManagement, .normal, town: "新仓镇")).workOrderId
        ids["fire"] = try d.dispatch(event("仓库冒烟", .safety, .critical, town: "广陈镇")).workOrderId
        ids["lamp"] = try d.dispatch(event("小区路灯坏了", .utilities, .normal, town: "钟埭街道")).workOrderId
        try d.dispatch(event("停车又乱收费", .market, .normal, town: "当湖街道", duplicateOf: marketEvent.eventId))
        let centre = Caller(unit: d.store.current.units.unit(id: "centre")!, person: ActingPerson(id: "zhang.wei", name: "张伟"),
                            via: "console")
        func review(_ command: WorkOrderDesk.Command, _ id: String) throws {
            let now = d.clock.now()
            let desk = WorkOrderDesk(configuration: d.store.current, logger: d.logger)
            _ = try d.database.writer.write { db in try desk.perform(command, on: id, by: centre, db: db, now: now) }
        }

        d.clock.advance(by: 10 * 60)
        let market = try d.order(ids["market"]!)
        try d.perform(.sign(note: nil), on: ids["market"]!, as: market.unitId)
        try review(.answer(.none, answer: "到社区服务站申请"), ids["consult"]!)
        try review(.release(.init(category: .housing), unitId: nil, coUnitIds: nil, note: nil), ids["unsure"]!)
        try review(.merge(into: ids["market"]!, note: nil), ids["again"]!)
        try d.perform(.returnOrder(reason: "属执法局"), on: ids["street"]!, as: "danghu-team")
        try d.perform(.returnOrder(reason: "不归我们"), on: ids["refused"]!, as: try d.order(ids["refused"]!).unitId)
        try d.perform(.reassign(unitId: "danghu-donghu-grid", coUnitIds: [], note: nil), on: ids["quarrel"]!, as: "centre")
        let lamp = try d.order(ids["lamp"]!).unitId
        try d.perform(.sign(note: nil), on: ids["lamp"]!, as: lamp)
        try d.perform(.resolve(result: "已修复", note: nil), on: ids["lamp"]!, as: lamp)
        // The centre reopens it; the unit never signs again, so it is overdue in status reopened.
        try d.perform(.reopen(reason: "回访发现仍未修好"), on: ids["lamp"]!, as: "centre")

        d.clock.advance(by: 20 * 60)
        try review(.approveReturn(unitId: nil, coUnitIds: nil, note: nil), ids["street"]!)
        try review(.refuseReturn(note: "属地负责"), ids["refused"]!)
        try d.perform(.resolve(result: "已责令退费", note: nil), on: ids["market"]!, as: market.unitId)
        let task = WorkOrderDesk.HotspotTask(alertId: "hs-test-busy", source: .hotline12345, category: .market, level: .normal,
                                             town: "当湖街道", village: nil, text: "未诉先办", unitId: "danghu-team",
                                             coUnitIds: ["city-market"], resolveBy: nil, note: nil)
        let now = d.clock.now()
        let desk = WorkOrderDesk(configuration: d.store.current, logger: d.logger)
        ids["task"] = try await d.database.writer.write { db in try desk.createTask(task, by: centre, db: db, now: now) }.workOrderId

        // The village team does not sign the urgent quarrel: it is escalated. The street order is signed late.
        d.clock.advance(by: 3 * 3600)
        try await d.watcher.fireDue()
        try d.perform(.sign(note: nil), on: ids["street"]!, as: "city-urban")
        try d.perform(.resolve(result: "已劝离", note: nil), on: ids["street"]!, as: "city-urban")
        try d.perform(.recordFeedback(satisfied: false, comment: "又来了"), on: ids["street"]!, as: "centre")
        try d.perform(.recordFeedback(satisfied: true, comment: nil), on: ids["market"]!, as: "centre")
        d.clock.advance(by: 30 * 60)
        try d.perform(.sign(note: nil), on: ids["street"]!, as: "city-urban")
        try await d.watcher.fireDue()
        return ids
    }

    func stats(from: Date, to: Date, town: String? = nil, unit: String? = nil, now: Date) throws -> WorkOrderStats {
        var query = WorkOrderQuery()
        query.from = from
        query.to = to
        query.town = town
        query.unitId = unit
        let scoped = query
        return try dispatch.database.writer.read { db in try WorkOrderStats.compute(scoped, db: db, now: now) }
    }

    @Test func theFiguresAreDispatchsStatsForAnyPeriodTownUnitAndMoment() async throws {
        _ = try await busyDay()
        let updates = try dispatch.updates()
        #expect(updates.count > 40)
        try console.apply(updates)
        let start = DispatchFixture.monday.addingTimeInterval(-3600)
        let end = dispatch.clock.now().addingTimeInterval(3600)
        let middle = DispatchFixture.monday.addingTimeInterval(60)
        for now in [dispatch.clock.now(), dispatch.clock.now().addingTimeInterval(2 * 86_400), dispatch.clock.now().addingTimeInterval(30 * 86_400)] {
            for (from, to) in [(start, end), (start, middle), (middle, end)] {
                for town in [nil, "当湖街道", "广陈镇"] {
                    let expected = try TestSupport.jsonObject(try stats(from: from, to: to, town: town, now: now))
                    let actual = try TestSupport.jsonObject(try console.figures(from: from, to: to, town: town, now: now))
                    #expect(actual == expected, "from \(from) to \(to) town \(town ?? "-") at \(now)")
                }
                for unit in ["danghu-team", "city-urban", "city-market", "danghu-donghu-grid"] {
                    let expected = try TestSupport.jsonObject(try stats(from: from, to: to, unit: unit, now: now))
                    let actual = try TestSupport.jsonObject(try console.figures(from: from, to: to, unitId: unit, now: now))
                    #expect(actual == expected, "unit \(unit) from \(from) to \(to) at \(now)")
                }
            }
        }
        // The day had something of everything the figures count.
        let all = try stats(from: start, to: end, now: dispatch.clock.now())
        #expect(all.byStatus["closed"]! >= 2)
        #expect(all.byStatus["merged"] == 0)
        #expect(all.overdueNow >= 1)
        #expect(all.timeToSign.count >= 2)
    }

    @Test func duplicatesAndAnyInterleavingOfOrdersChangeNothing() async throws {
        _ = try await busyDay()
        let updates = try dispatch.updates()
        // Every message twice, and the orders interleaved differently (each order's own messages in order).
        var byOrder = Dictionary(grouping: updates, by: \.workOrderId)
        var shuffled: [WorkOrderUpdate] = []
        while !byOrder.isEmpty {
            for key in byOrder.keys.sorted(by: >) {
                shuffled.append(byOrder[key]!.removeFirst())
                if byOrder[key]!.isEmpty { byOrder[key] = nil }
            }
        }
        try console.apply(shuffled + updates)
        let now = dispatch.clock.now()
        let from = DispatchFixture.monday.addingTimeInterval(-3600)
        #expect(try TestSupport.jsonObject(try console.figures(from: from, to: now, now: now))
            == TestSupport.jsonObject(try stats(from: from, to: now, now: now)))
        let changes = try console.row("SELECT COUNT(*) AS n FROM work_order_change")?["n"] as Int?
        #expect(changes == updates.count)
    }

    @Test func anOlderChangeArrivingLateDoesNotUndoANewerOne() async throws {
        let ids = try await busyDay()
        let street = try dispatch.updates(of: ids["street"]!)
        try console.apply(Array(street.suffix(1)))
        try console.apply(Array(street.dropLast()))
        let copy = try #require(try console.row("SELECT status, version FROM work_order WHERE work_order_id = ?", [ids["street"]!]))
        #expect(copy["version"] as Int == street.last!.sequence)
        #expect(copy["status"] as String == street.last!.status.rawValue)
        #expect(try console.row("SELECT COUNT(*) AS n FROM work_order_change WHERE work_order_id = ?", [ids["street"]!])?["n"] as Int? == street.count)
    }

    @Test func theTimelineNamesThePersonAndTheEventsFollowAMerge() async throws {
        let ids = try await busyDay()
        try console.apply(try dispatch.updates())
        let detail = try await console.database.writer.read { db in
            try OrderDetail.find(ids["market"]!, configuration: console.configuration, maskPhones: false, db: db, now: dispatch.clock.now())
        }
        let order = try #require(detail)
        // Its own report, the repeat dispatch attached, and the held report the centre merged into it.
        #expect(order.reports.count == 3)
        let merge = try #require(order.timeline.first { $0.change == "attached" && $0.personName != nil })
        #expect(merge.personName == "张伟")
        #expect(merge.actorName == "平湖市社会治理综合指挥服务中心")
        let merged = try #require(try console.row("SELECT status, merged_into FROM work_order WHERE work_order_id = ?", [ids["again"]!]))
        #expect(merged["status"] as String == "merged")
        #expect(merged["merged_into"] as String == ids["market"]!)
    }

    @Test func handOversRecordReturnsReopeningsAndSatisfactionPerUnit() async throws {
        let ids = try await busyDay()
        try console.apply(try dispatch.updates())
        let rounds = try console.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM handling_round WHERE work_order_id = ? ORDER BY started_at", arguments: [ids["street"]!])
        }
        // danghu-team (returned), city-urban (resolved, then not satisfied and reopened), city-urban again.
        #expect(rounds.map { $0["unit_id"] as String } == ["danghu-team", "city-urban", "city-urban"])
        #expect(rounds.map { $0["returned"] as Int } == [1, 0, 0])
        #expect(rounds.map { $0["reopened"] as Int } == [0, 1, 0])
        #expect(rounds[1]["satisfied"] as Int? == 0)
        #expect(rounds[1]["signed_at"] as String? != nil)
        // The refused return continued its round: one hand-over, not two.
        let refused = try console.row("SELECT COUNT(*) AS n FROM handling_round WHERE work_order_id = ?", [ids["refused"]!])
        #expect(refused?["n"] as Int? == 1)
        let period = Period(from: DispatchFixture.monday.addingTimeInterval(-3600), to: dispatch.clock.now().addingTimeInterval(1))
        let evaluation = try await console.database.writer.read { db in
            try Evaluation.compute(period, by: .unit, configuration: console.configuration, db: db)
        }
        let urban = try #require(evaluation.lines.first { $0.key == "city-urban" })
        #expect(urban.current.rounds == 2)
        #expect(urban.current.reopenings == 1)
        #expect(urban.current.satisfactionRate == 0)
        #expect(urban.current.onTimeSignRate == 0.5)  // late in the first round, on time in the second
        let team = try #require(evaluation.lines.first { $0.key == "danghu-team" })
        #expect(team.current.returns == 1)
        let market = try #require(evaluation.lines.first { $0.key == "city-market" })
        #expect(market.current.satisfactionRate == 1)
        #expect(market.current.closureRate == 1)
        #expect(evaluation.lines.map(\.rank) == Array(1...evaluation.lines.count))
        let scores = evaluation.lines.compactMap(\.current.score)
        #expect(scores == scores.sorted(by: >))
        let csv = evaluation.csv()
        #expect(csv.hasPrefix("\u{FEFF}单位,排名,得分"))
        #expect(csv.contains("平湖市综合行政执法局,"))
    }

    @Test func eventsOfOneReportMayArriveInAnyOrder() throws {
        let accepted = TestSupport.accepted("三港路停车乱收费", source: .police110, sourceId: "110-1")
        let classified = ClassifiedEvent(accepted: accepted, category: .market, level: .normal, police: false, shuangfei: true,
                                         town: "当湖街道", village: nil, grid: nil, confidence: 0.7, explanation: "x",
                                         classifiedAt: accepted.receivedAt)
        let other = try ConsoleFixture()
        try console.apply(accepted, topic: Topics.eventsAccepted, key: accepted.eventId)
        try console.apply(classified, topic: Topics.eventsClassified, key: accepted.eventId)
        try other.apply(classified, topic: Topics.eventsClassified, key: accepted.eventId)
        try other.apply(accepted, topic: Topics.eventsAccepted, key: accepted.eventId)
        try other.apply(accepted, topic: Topics.eventsAccepted, key: accepted.eventId)
        let sql = "SELECT * FROM event WHERE event_id = ?"
        let a = try #require(try console.row(sql, [accepted.eventId]))
        let b = try #require(try other.row(sql, [accepted.eventId]))
        #expect(a == b)
        #expect(a["shuangfei"] as Int == 1)
        #expect(a["received_at"] as String == MessageCoding.formatTimestamp(accepted.receivedAt))
    }

    @Test func aHotspotTaskIsFollowedUp() throws {
        let detected = DispatchFixture.monday
        let alert = HotspotAlert(alertId: "hs-follow", eventId: "ev-a", town: "当湖街道", village: nil, category: .market,
                                 theme: ["停车", "小票"], eventIds: ["ev-a", "ev-b", "ev-c"], sources: [.hotline12345, .web],
                                 reporterCount: 3, firstReportedAt: detected, lastReportedAt: detected, windowHours: 24, detectedAt: detected)
        try console.apply(alert, topic: Topics.hotspotAlerts, key: alert.alertId)
        var task = WorkOrderUpdate(
            eventId: "hs-follow", workOrderId: "WO20261123-000099", sequence: 1, change: .created, status: .dispatched, unitId: "danghu-team",
            unitName: "当湖街道民声一键办服务队", category: .market, level: .normal, town: "当湖街道", village: nil, grid: nil, source: .hotline12345,
            sourceId: "hs-follow", text: "未诉先办", address: nil, reporter: nil, occurredAt: detected, signBy: detected.addingTimeInterval(7200),
            resolveBy: detected.addingTimeInterval(86_400 * 5), at: detected, actor: "centre", dispatchedAt: detected, round: 1,
            roundStartedAt: detected, hotspotAlertId: "hs-follow")
        try console.apply([task])
        func followUp(at now: Date) throws -> HotspotFollowUp? {
            try console.database.writer.read { db in try HotspotFollowUp.compute(alertId: "hs-follow", db: db, now: now) }
        }
        #expect(try followUp(at: detected)?.verdict == .handling)
        let resolved = detected.addingTimeInterval(86_400)
        task.sequence = 2
        task.change = .resolved
        task.status = .resolved
        task.at = resolved
        task.resolvedAt = resolved
        try console.apply([task])
        #expect(try followUp(at: resolved.addingTimeInterval(3600))?.verdict == .watching)
        #expect(try followUp(at: resolved.addingTimeInterval(8 * 86_400))?.verdict == .stopped)
        // A new report of the matter in the town within the week: the reports did not stop.
        var report = TestSupport.accepted("三港路停车又乱收费")
        report.receivedAt = resolved.addingTimeInterval(2 * 86_400)
        try console.apply(report, topic: Topics.eventsAccepted, key: report.eventId)
        try console.apply(ClassifiedEvent(accepted: report, category: .market, level: .normal, police: false, shuangfei: false,
                                          town: "当湖街道", village: nil, grid: nil, confidence: 0.9, explanation: "x",
                                          classifiedAt: report.receivedAt), topic: Topics.eventsClassified, key: report.eventId)
        let after = try #require(try followUp(at: resolved.addingTimeInterval(8 * 86_400)))
        #expect(after.verdict == .continuing)
        #expect(after.newEventIds == [report.eventId])
    }

    @Test func aGrowingHotspotKeepsItsLatestRevision() throws {
        let detected = DispatchFixture.monday
        let first = HotspotAlert(alertId: "hs-grow", eventId: "ev-c", town: "当湖街道", village: nil, category: .traffic,
                                 theme: ["停车"], eventIds: ["ev-a", "ev-b", "ev-c"], sources: [.hotline12345, .web],
                                 reporterCount: 3, firstReportedAt: detected, lastReportedAt: detected, windowHours: 24, detectedAt: detected)
        var grown = first
        grown.revision = 2
        grown.eventId = "ev-d"
        grown.eventIds.append("ev-d")
        grown.sources.append(.police110)
        grown.reporterCount = 4
        grown.lastReportedAt = detected.addingTimeInterval(3600)
        grown.updatedAt = detected.addingTimeInterval(3601)
        func row() throws -> Row { try #require(try console.row("SELECT * FROM hotspot WHERE alert_id = ?", ["hs-grow"])) }
        try console.apply(first, topic: Topics.hotspotAlerts, key: first.alertId)
        #expect(try row()["reporter_count"] as Int == 3)
        try console.apply(grown, topic: Topics.hotspotAlerts, key: grown.alertId)
        // The first revision again (a replay, or out of order): the larger hotspot stays.
        try console.apply(first, topic: Topics.hotspotAlerts, key: first.alertId)
        let latest = try row()
        #expect(latest["revision"] as Int == 2)
        #expect(latest["reporter_count"] as Int == 4)
        #expect(latest["event_ids"] as String == "ev-a,ev-b,ev-c,ev-d")
        #expect(latest["event_id"] as String == "ev-c", "the event that raised it stays")
        #expect(latest["detected_at"] as String == MessageCoding.formatTimestamp(detected))
    }
}
