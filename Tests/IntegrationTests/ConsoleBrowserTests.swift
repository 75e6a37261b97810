import Foundation
import MinshengPlatform
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServiceStacks {
    /// The console in a real browser against a running system with data: the five executables over a broker
    /// of their own, the demo's sample events published as the outside systems would, and headless Chromium
    /// driven over the DevTools protocol. A member of the centre's staff logs in; the big screen's figures
    /// are dispatch's `/v1/stats` for the same day; a held consultation is corrected and released on the
    /// triage desk, and its work order appears on the big screen (another tab) without a reload; a return
    /// is approved. With `UPDATE_SCREENSHOTS=1` the screenshots of the screen and the desk go to
    /// `docs/screenshots/`.
    @Suite("Console in a real browser", .enabled(if: TestBroker.enabled))
    struct ConsoleBrowserTests {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()

        /// Publishes `scripts/samples/<source>.jsonl` to `intake.<source>`, keyed by each event's id.
        static func publishSamples(_ stack: ServiceStack) throws -> Int {
            var count = 0
            for source in ["hotline12345", "police110", "web", "grid"] {
                let text = try String(contentsOf: root.appendingPathComponent("scripts/samples/\(source).jsonl"), encoding: .utf8)
                for line in text.split(separator: "\n") where !line.isEmpty {
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    try kcatProduce(stack.bootstrap, topic: "intake.\(source)", key: object["id"] as? String, value: String(line))
                    count += 1
                }
            }
            return count
        }

        /// The order of a sample event, once dispatch has it.
        static func order(_ stack: ServiceStack, source: String, sourceId: String, token: String) async throws -> [String: Any] {
            let found = try await eventually(timeout: .seconds(90)) {
                let page = try await stack.getJSON(.dispatch, "/v1/workorders?source=\(source)&sourceId=\(sourceId)", token: token)
                return (page["items"] as? [[String: Any]])?.first
            }
            return try #require(found, "no work order for \(source)/\(sourceId); logs in \(stack.directory)")
        }

        /// The big screen's figures as the page shows them (`data-figure`/`data-value`), and its period.
        static func screenFigures(_ page: DevToolsBrowser.Page) async throws -> (from: String, to: String, figures: [String: String]) {
            let json = try await page.evaluate("""
                (() => {
                  const panel = document.querySelector('[data-panel=figures]');
                  if (!panel) return null;
                  const figures = {};
                  document.querySelectorAll('#cockpit [data-figure]').forEach((e) => (figures[e.dataset.figure] = e.dataset.value));
                  return JSON.stringify({ from: panel.dataset.from, to: panel.dataset.to, figures });
                })()
                """) as? String
            let text = try #require(json, "the page shows no figures")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return (try #require(object["from"] as? String), try #require(object["to"] as? String),
                    try #require(object["figures"] as? [String: String]))
        }

        /// What differs between the screen and `/v1/stats` of the same period; empty when they agree.
        static func differences(_ screen: [String: String], _ stats: [String: Any]) -> [String] {
            var expected: [String: Double?] = [:]
            for key in ["total", "closureRate", "onTimeSignRate", "onTimeResolveRate", "overdueNow"] {
                expected[key] = (stats[key] as? NSNumber)?.doubleValue
            }
            for key in ["timeToSign", "timeToResolve"] {
                expected["\(key).medianSeconds"] = ((stats[key] as? [String: Any])?["medianSeconds"] as? NSNumber)?.doubleValue
            }
            for group in ["byStatus", "byLevel"] {
                for (key, value) in stats[group] as? [String: Any] ?? [:] { expected["\(group).\(key)"] = (value as? NSNumber)?.doubleValue }
            }
            var differences: [String] = []
            for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
                guard let shown = screen[key] else {
                    differences.append("\(key): not on the screen")
                    continue
                }
                let value = shown.isEmpty ? nil : Double(shown)
                let same = switch (value, want) {
                case (nil, nil): true
                case let (a?, b?): abs(a - b) < 1e-9
                default: false
                }
                if !same { differences.append("\(key): screen \(shown), stats \(want.map { "\($0)" } ?? "none")") }
            }
            return differences
        }

        /// Waits until the screen shows what `/v1/stats` says for the screen's period.
        static func expectScreenEqualsStats(_ page: DevToolsBrowser.Page, _ stack: ServiceStack, token: String) async throws {
            var last: [String] = []
            let agreed = try await eventually(timeout: .seconds(60), every: .milliseconds(500)) { () -> Bool? in
                let shown = try await screenFigures(page)
                let query = "from=\(shown.from)&to=\(shown.to)".replacingOccurrences(of: "+", with: "%2B")
                let stats = try await stack.getJSON(.dispatch, "/v1/stats?\(query)", token: token)
                last = differences(shown.figures, stats)
                return last.isEmpty && (stats["total"] as? Int ?? 0) > 0 ? true : nil
            }
            #expect(agreed == true, "the screen differs from /v1/stats: \(last)")
        }

        static func screenshot(_ page: DevToolsBrowser.Page, _ name: String, stack: ServiceStack) async throws {
            try await page.screenshot(to: "\(stack.directory)/\(name)")
            if ProcessInfo.processInfo.environment["UPDATE_SCREENSHOTS"] == "1" {
                try await page.screenshot(to: root.appendingPathComponent("docs/screenshots/\(name)").path)
            }
        }

        @Test func theCentreWorksTheScreenAndTheTriageDeskInABrowser() async throws {
            try #require(DevToolsBrowser.available, "no \(DevToolsBrowser.executable): run `source scripts/lib.sh; ensure_system_packages`")
            let broker = try await PrivateBroker.start()
            defer { broker.stop() }
            let stack = try await ServiceStack.start(bootstrap: broker.address, services: ServiceName.pipeline + [.console], holdUnsure: true)
            defer { stack.stopAll() }
            let centre = try stack.token(of: "centre")
            #expect(try Self.publishSamples(stack) == 19)

            // The consultation is held for the centre; the barbecue smoke complaint went to a unit.
            let consultation = try await Self.order(stack, source: "hotline12345", sourceId: "12345-20261123-000104", token: centre)
            #expect(consultation["status"] as? String == "held")
            let consultationId = try #require(consultation["workOrderId"] as? String)
            let smoke = try await Self.order(stack, source: "hotline12345", sourceId: "12345-20261123-000102", token: centre)
            let smokeId = try #require(smoke["workOrderId"] as? String)
            let smokeUnit = try #require(smoke["unitId"] as? String)

            // The units get to work on some orders: signed, resolved, one closed after the citizen's answer.
            // The samples' orders arrive one by one: wait until at least five besides the smoke complaint are listed.
            let dispatched = try await eventually(timeout: .seconds(90)) {
                let page = try await stack.getJSON(.dispatch, "/v1/workorders?status=dispatched&limit=100", token: centre)
                let others = (page["items"] as? [[String: Any]] ?? []).filter { $0["workOrderId"] as? String != smokeId }
                return others.count >= 5 ? others : nil
            }
            let others = try #require(dispatched, "fewer than five dispatched orders besides the smoke complaint; logs in \(stack.directory)")
            for (index, order) in others.prefix(5).enumerated() {
                let id = try #require(order["workOrderId"] as? String)
                let unit = try stack.token(of: try #require(order["unitId"] as? String))
                #expect(try await stack.post(.dispatch, "/v1/workorders/\(id)/sign", body: [:], token: unit) == 200)
                if index < 3 {
                    #expect(try await stack.post(.dispatch, "/v1/workorders/\(id)/resolve", body: ["result": "已到现场处置完毕"], token: unit) == 200)
                }
                if index == 0 {
                    #expect(try await stack.post(.dispatch, "/v1/workorders/\(id)/feedback", body: ["satisfied": true], token: centre) == 200)
                }
            }

            let browser = try DevToolsBrowser.launch(log: "\(stack.directory)/chromium.log")
            defer { browser.close() }
            let console = "http://127.0.0.1:\(stack.ports[.console]!)/"

            // Log in on the big screen.
            let screen = try await browser.newPage(width: 1920, height: 1080)
            try await screen.navigate(console)
            try await screen.waitFor("document.querySelector('#login-form')")
            _ = try await screen.evaluate("""
                document.querySelector('#login-account').value = 'zhang.wei';
                document.querySelector('#login-password').value = 'demo-zhangwei-2026';
                document.querySelector('#login-submit').click(); true
                """)
            try await screen.waitFor("location.hash === '#/cockpit' && document.querySelector('[data-panel=figures]')")
            #expect(try await screen.evaluate("document.querySelector('#whoami').textContent") as? String == "张伟（中心坐席）")
            try await screen.waitFor("document.querySelector('#live.on')")  // the live stream is open

            // Its figures are dispatch's for the same day.
            try await Self.expectScreenEqualsStats(screen, stack, token: centre)
            _ = try await screen.evaluate("window.__sameDocument = 'screen'; true")

            // The triage desk in another tab (the same login): the held consultation is there.
            let desk = try await browser.newPage(width: 1600, height: 1000)
            try await desk.navigate(console + "#/triage")
            try await desk.waitFor("document.querySelector('[data-held=\"\(consultationId)\"]')")
            try await Self.screenshot(desk, "console-triage.png", stack: stack)
            try await screen.waitFor("document.querySelectorAll('#latest [data-order]').length >= 5")
            try await Self.screenshot(screen, "console-cockpit.png", stack: stack)
            #expect(try await screen.evaluate("!!document.querySelector('#latest [data-order=\"\(consultationId)\"]')") as? Bool == false)

            // Correct it (category, level) and release it; the screen shows its work order without a reload.
            _ = try await desk.evaluate("""
                (() => {
                  const item = document.querySelector('[data-held="\(consultationId)"]');
                  item.querySelector('select[name=category]').value = 'social_security';
                  item.querySelector('select[name=level]').value = 'normal';
                  item.querySelector('button[data-action=release]').click();
                  return true;
                })()
                """)
            try await screen.waitFor("document.querySelector('#latest [data-order=\"\(consultationId)\"]')", timeout: .seconds(60))
            #expect(try await screen.evaluate("window.__sameDocument") as? String == "screen")
            try await desk.waitFor("!document.querySelector('[data-held=\"\(consultationId)\"]')")
            let released = try await stack.getJSON(.dispatch, "/v1/workorders/\(consultationId)", token: centre)
            #expect(released["status"] as? String == "dispatched")
            #expect(released["category"] as? String == "social_security")
            #expect(released["level"] as? String == "normal")
            let releasedBy = try #require((released["timeline"] as? [[String: Any]])?.last)
            #expect(releasedBy["change"] as? String == "released")
            #expect(releasedBy["actor"] as? String == "centre")
            #expect((releasedBy["person"] as? [String: Any])?["name"] as? String == "张伟")
            try await Self.expectScreenEqualsStats(screen, stack, token: centre)

            // The unit returns the smoke complaint; the desk shows it and the centre approves the return.
            let returned = try await stack.post(.dispatch, "/v1/workorders/\(smokeId)/return", body: ["reason": "油烟扰民属生态环境部门职责"],
                                                token: try stack.token(of: smokeUnit))
            #expect(returned == 200)
            _ = try await desk.evaluate("location.hash = '#/triage?tab=returned'; true")
            try await desk.waitFor("document.querySelector('[data-returned=\"\(smokeId)\"]')")
            let target = try #require(try await desk.evaluate("""
                (() => {
                  const item = document.querySelector('[data-returned="\(smokeId)"]');
                  const select = item.querySelector('select[name=unitId]');
                  if (!select.value) select.value = 'city-ecology';
                  item.querySelector('input[name=note]').value = '同意退回';
                  item.querySelector('button[data-action=approve-return]').click();
                  return select.value;
                })()
                """) as? String)
            try await desk.waitFor("!document.querySelector('[data-returned=\"\(smokeId)\"]')")
            let approved = try await stack.getJSON(.dispatch, "/v1/workorders/\(smokeId)", token: centre)
            #expect(approved["status"] as? String == "dispatched")
            #expect(approved["unitId"] as? String == target)
            #expect(target != smokeUnit)
            let approvedBy = try #require((approved["timeline"] as? [[String: Any]])?.last)
            #expect(approvedBy["change"] as? String == "reassigned")
            #expect((approvedBy["person"] as? [String: Any])?["id"] as? String == "zhang.wei")
            #expect(try await desk.evaluate("document.querySelector('#toast').className.includes('error')") as? Bool == false)

            // The order's page names the person on its timeline.
            _ = try await desk.evaluate("location.hash = '#/order/\(smokeId)'; true")
            try await desk.waitFor("[...document.querySelectorAll('#timeline [data-change=reassigned] .person')].some((e) => e.textContent.includes('张伟'))")
            #expect(try await screen.evaluate("window.__sameDocument") as? String == "screen")
        }
    }
}
