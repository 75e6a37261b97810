import Foundation
import MinshengModel
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServiceStacks {
    /// The four executables as separate processes over the real broker: outside systems publish with kcat,
    /// and the test checks what comes out of dispatch, notification and the Kafka topics.
    @Suite("End to end: four services over the broker", .enabled(if: TestBroker.enabled), .serialized)
    struct EndToEndTests {
        @Test func eventsBecomeWorkOrdersNotificationsReturnsAndRejections() async throws {
            // A broker of its own: notification restores its state from the changelog, and another stack's
            // work orders on the shared broker have the same numbers (WO<date>-000001, …).
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address)
            defer { stack.stopAll() }
            let run = UUID().uuidString.prefix(8).lowercased()
            let hotlineId = "e2e-\(run)-12345"
            let policeId = "e2e-\(run)-110"
            let hotline = #"{"id":"\#(hotlineId)","occurredAt":"2026-11-23T09:41:00+08:00","text":"当湖街道三港路有人占道摆摊卖水果，人行道都堵了","requestType":"complaint","reporter":{"name":"王女士","phone":"13800000000"},"address":"三港路"}"#
            let police = #"{"id":"\#(policeId)","occurredAt":"2026-11-23T22:20:00+08:00","text":"报警人称在曹桥路有人持刀抢劫，嫌疑人往东跑了"}"#
            let malformed = #"{"id": "e2e-\#(run)-bad", "occurredAt": "#

            try kcatProduce(stack.bootstrap, topic: "intake.hotline12345", key: hotlineId, value: hotline)
            try kcatProduce(stack.bootstrap, topic: "intake.police110", key: policeId, value: police)
            try kcatProduce(stack.bootstrap, topic: "intake.police110", key: nil, value: malformed)

            // The hotline complaint becomes a work order for the town's service team.
            let centre = try stack.token(of: "centre")
            let orders = try await eventually {
                let page = try await stack.getJSON(.dispatch, "/v1/workorders?source=hotline12345&sourceId=\(hotlineId)", token: centre)
                let items = page["items"] as? [[String: Any]] ?? []
                return items.isEmpty ? nil : items
            }
            let order = try #require(orders?.first, "no work order for \(hotlineId); logs in \(stack.directory)")
            #expect(order["unitId"] as? String == "danghu-team")
            #expect(order["category"] as? String == "urban_management")
            #expect(order["town"] as? String == "当湖街道")
            let workOrderId = try #require(order["workOrderId"] as? String)

            // The unit's webhook got the signed instruction sheet, after notification retried a 503.
            let delivery = try await eventually {
                stack.receiver.requests.first { $0.path.hasPrefix("/units/") && String(decoding: $0.body, as: UTF8.self).contains(workOrderId) }
            }
            let sheet = try #require(delivery, "the webhook never got \(workOrderId)")
            #expect(sheet.path == "/units/danghu-team")
            #expect(sheet.signatureValid)
            #expect(sheet.idempotencyKey?.contains(workOrderId) == true)
            let sheetJSON = try #require(try JSONSerialization.jsonObject(with: Data(sheet.body)) as? [String: Any])
            #expect((sheetJSON["message"] as? String)?.contains("三港路有人占道摆摊") == true)
            let delivered = try await eventually {
                let page = try await stack.getJSON(.notification, "/v1/notifications?workOrder=\(workOrderId)", token: centre)
                let items = page["items"] as? [[String: Any]] ?? []
                return items.first { $0["status"] as? String == "delivered" && $0["channel"] as? String == "webhook" }
            }
            // Only the centre reads notifications; citizens' phones come masked.
            #expect(try await stack.get(.notification, "/v1/notifications?workOrder=\(workOrderId)").status == 401)
            #expect(try await stack.get(.notification, "/v1/notifications?workOrder=\(workOrderId)",
                                        token: try stack.token(of: "danghu-team")).status == 401)
            let citizenRecipients = try await stack.getJSON(.notification, "/v1/notifications?workOrder=\(workOrderId)", token: centre)["items"]
                .flatMap { $0 as? [[String: Any]] }?.compactMap { $0["recipient"] as? String }.filter { $0.hasPrefix("citizen:") } ?? []
            #expect(citizenRecipients.allSatisfy { $0.contains("****") }, "\(citizenRecipients)")
            let attempts = try #require(delivered?["attempts"] as? [[String: Any]])
            #expect(attempts.count == 2)  // one 503, then delivered
            #expect(attempts.first?["outcome"] as? String == "failed")

            // The town team's duty robot got a signed action card; the citizen got an SMS receipt.
            let robot = try await eventually {
                stack.receiver.requests.first { $0.path.hasPrefix("/robot/") && String(decoding: $0.body, as: UTF8.self).contains(workOrderId) }
            }
            #expect(robot?.signatureValid == true)
            #expect(robot.map { String(decoding: $0.body, as: UTF8.self).contains("actionCard") } == true)
            let sms = try await eventually {
                stack.receiver.requests.first { $0.path == "/sms" && String(decoding: $0.body, as: UTF8.self).contains(workOrderId) }
            }
            let smsBody = try #require(sms.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] })
            #expect(smsBody["mobile"] as? String == "13800000000")
            #expect((smsBody["content"] as? String)?.contains("已受理") == true)

            // The unit signs for it and resolves it over dispatch's API; the citizen hears of both and is asked.
            let team = try stack.token(of: "danghu-team")
            #expect(try await stack.post(.dispatch, "/v1/workorders/\(workOrderId)/sign", body: [:], token: team) == 200)
            #expect(try await stack.post(.dispatch, "/v1/workorders/\(workOrderId)/resolve",
                                         body: ["result": "已清理占道摊位并告知经营者"], token: team) == 200)
            let citizenMessages = try await eventually {
                let texts = stack.receiver.requests.filter { $0.path == "/sms" }.map { String(decoding: $0.body, as: UTF8.self) }
                    .filter { $0.contains(workOrderId) }
                return texts.count >= 4 ? texts : nil  // receipt, signed, resolved, survey
            }
            #expect(citizenMessages?.contains { $0.contains("签收") } == true)
            #expect(citizenMessages?.contains { $0.contains("已清理占道摊位") } == true)
            #expect(citizenMessages?.contains { $0.contains("满意") } == true)

            // The knife robbery went back to the 110 system and was not dispatched.
            let returned = try await eventually {
                try kcatConsume(stack.bootstrap, topic: "police110.returns").first { $0["sourceId"] as? String == policeId }
            }
            #expect(returned != nil, "police110.returns has no \(policeId)")
            let policeOrders = try await stack.getJSON(.dispatch, "/v1/workorders?source=police110&sourceId=\(policeId)", token: centre)
            #expect((policeOrders["items"] as? [Any])?.isEmpty == true)

            // The malformed message landed on events.rejected with its bytes.
            let rejected = try await eventually {
                try kcatConsume(stack.bootstrap, topic: "events.rejected").first {
                    ($0["originalBase64"] as? String).flatMap { Data(base64Encoded: $0) } == Data(malformed.utf8)
                }
            }
            #expect(rejected?["reason"] as? String == "malformed_json")
            #expect((rejected?["origin"] as? String)?.hasPrefix("kafka:intake.police110/") == true)

            // A re-published duplicate creates no second work order and no second notification.
            try kcatProduce(stack.bootstrap, topic: "intake.hotline12345", key: hotlineId, value: hotline)
            let duplicateSeen = try await eventually {
                try await stack.metric(.intake, #"minsheng_intake_events_total{source="hotline12345",outcome="duplicate"}"#).flatMap { $0 >= 1 ? true : nil }
            }
            #expect(duplicateSeen == true)
            try await Task.sleep(for: .seconds(3))  // time for anything wrongly sent downstream to arrive
            let after = try await stack.getJSON(.dispatch, "/v1/workorders?source=hotline12345&sourceId=\(hotlineId)", token: centre)
            #expect((after["items"] as? [Any])?.count == 1)
            #expect(stack.receiver.requests.filter { $0.path.hasPrefix("/units/") && String(decoding: $0.body, as: UTF8.self).contains(workOrderId) }.count == 1)

            // SIGTERM: every service shuts down cleanly.
            let codes = stack.stopAll()
            #expect(codes.values.allSatisfy { $0 == 0 }, "exit codes \(codes); logs in \(stack.directory)")
        }
    }
}
