import Foundation
import MinshengModel
import Testing

extension ServiceStacks.EndToEndTests {
    /// kill -9 of notification in the middle of a burst, then a restart: every expected notification
    /// reaches the receiver, and exactly once once the receiver drops repeats by Idempotency-Key.
    @Test func aNotificationCrashMidBurstLosesNothingAndDuplicatesNothing() async throws {
        // A broker of its own: notification restores its state from the changelog, and another stack's
        // work orders on the shared broker have the same numbers (WO<date>-000001, …).
        let broker = try await PrivateBroker.start()
        defer { broker.stop() }
        // A slow receiver (200 ms an answer) keeps deliveries in flight when the kill comes.
        let stack = try await ServiceStack.start(bootstrap: broker.address, failFirst: 0, receiverDelay: .milliseconds(200))
        defer { stack.stopAll() }
        let run = UUID().uuidString.prefix(8).lowercased()
        let count = 40
        // Forty different matters (ten problems in four towns): no repeats, no hotspots.
        let towns = ["当湖街道三港路", "钟埭街道花园村", "新埭镇新埭社区", "广陈镇山塘村"]
        let problems = [
            "垃圾桶满了三天没人清运", "路灯晚上不亮", "下水道堵了污水漫到路上", "楼上装修周末早上七点就开电钻", "菜场门口三轮车占道",
            "公交站牌被撞歪了", "河里漂着很多死鱼", "小饭店油烟直接排到窗口", "电梯困人后物业一直不来修", "工地渣土车不盖篷布",
        ]
        for index in 0..<count {
            let id = "crash-\(run)-\(index)"
            let json = #"{"id":"\#(id)","occurredAt":"2026-11-23T09:00:00+08:00","text":"\#(problems[index % problems.count])","address":"\#(towns[index / problems.count])"}"#
            try kcatProduce(stack.bootstrap, topic: "intake.hotline12345", key: id, value: json)
        }
        // Wait until some, not all, work orders have reached the units, then kill notification.
        func ours(_ requests: [WebhookReceiver.Received]) -> [WebhookReceiver.Received] {
            requests.filter { $0.path.hasPrefix("/units/") && String(decoding: $0.body, as: UTF8.self).contains("crash-\(run)-") }
        }
        _ = try await eventually(every: .milliseconds(10)) { ours(stack.receiver.requests).count >= 3 ? true : nil }
        stack.kill9(.notification)
        let beforeRestart = ours(stack.receiver.accepted).count
        try stack.launch(.notification)
        try await stack.waitUntilReady(.notification)

        let centre = try stack.token(of: "centre")
        let workOrders = try await eventually(timeout: .seconds(90)) {
            let page = try await stack.getJSON(.dispatch, "/v1/workorders?source=hotline12345&limit=500", token: centre)
            let ids = (page["items"] as? [[String: Any]] ?? [])
                .filter { ($0["sourceId"] as? String)?.hasPrefix("crash-\(run)") == true }
                .compactMap { $0["workOrderId"] as? String }
            return ids.count == count ? Set(ids) : nil
        }
        let expected = try #require(workOrders, "not every event became a work order; logs in \(stack.directory)")
        let delivered = try await eventually(timeout: .seconds(90)) {
            let keys = Set(stack.receiver.accepted.compactMap(\.idempotencyKey).filter { key in expected.contains { key.contains($0) } })
            return keys.count == count ? keys : nil
        }
        #expect(delivered?.count == count, "delivered \(delivered?.count ?? 0) of \(count); \(beforeRestart) before the kill; logs in \(stack.directory)")
        // Exactly once after de-duplication: one accepted request per work order.
        let accepted = ours(stack.receiver.accepted)
        #expect(accepted.count == count)
        print("crash test: \(beforeRestart) of \(count) delivered before the kill; \(ours(stack.receiver.requests).filter(\.repeated).count) repeats dropped by key")
        #expect(beforeRestart < count, "the kill came after the burst: the test proved nothing")
        // Any repeat carried the same key and the same body as the first delivery.
        for repeatRequest in ours(stack.receiver.requests) where repeatRequest.repeated {
            let first = accepted.first { $0.idempotencyKey == repeatRequest.idempotencyKey }
            #expect(first?.body == repeatRequest.body)
        }
    }
}
