import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol, the way
/// Puppeteer does with `--remote-debugging-pipe`: the browser reads JSON commands, each ended by a NUL
/// byte, on file descriptor 3 and writes answers and events on 4. No WebSocket, no driver in between.
/// Every call blocks on the pipe, so the async helpers run it on a queue of its own, never on Swift's
/// cooperative pool.
final class DevToolsBrowser: @unchecked Sendable {
    /// Where Debian installs it; `CHROMIUM` overrides.
    static var executable: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium" }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private let profile: String
    private let queue = DispatchQueue(label: "minsheng.test.devtools")
    // Used only on `queue`.
    private var buffer: [UInt8] = []
    private var nextId = 0
    private let closed = Mutex(false)

    private init(pid: pid_t, commands: Int32, answers: Int32, profile: String) {
        self.pid = pid
        self.commands = commands
        self.answers = answers
        self.profile = profile
    }

    /// Starts the browser with a fresh profile; its output goes to `log`.
    static func launch(log: String) throws -> DevToolsBrowser {
        let profile = NSTemporaryDirectory() + "minsheng-chromium-" + UUID().uuidString.prefix(8)
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw ProtocolError(description: "pipe failed: \(errno)") }
        // Only the duplicates at 3 and 4 reach the browser (dup2 clears the flag on them).
        for descriptor in toBrowser + fromBrowser { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--no-default-browser-check", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
                         "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--window-size=1920,1080", "about:blank"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // China time on the pages, as at the centre.
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "Asia/Shanghai"
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
        Glibc.close(toBrowser[0])
        Glibc.close(fromBrowser[1])
        guard status == 0 else {
            Glibc.close(toBrowser[1])
            Glibc.close(fromBrowser[0])
            throw ProtocolError(description: "cannot start \(executable): \(status)")
        }
        return DevToolsBrowser(pid: pid, commands: toBrowser[1], answers: fromBrowser[0], profile: profile)
    }

    /// Sends a command (to a page when `session` is given) and returns its result; events on the way are
    /// skipped. Fails on a protocol error or when no answer comes within `timeout`.
    func call(_ method: String, session: String? = nil, _ params: [String: Any] = [:], timeout: TimeInterval = 30) async throws
        -> [String: Any]
    {
        let request = Request(method: method, session: session, params: params)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.callOnQueue(request, timeout: timeout) })
            }
        }
    }

    /// A command's parts, handed to the queue (JSON values are not Sendable).
    private struct Request: @unchecked Sendable {
        var method: String
        var session: String?
        var params: [String: Any]
    }

    private func callOnQueue(_ request: Request, timeout: TimeInterval) throws -> [String: Any] {
        nextId += 1
        let id = nextId
        var message: [String: Any] = ["id": id, "method": request.method, "params": request.params]
        if let session = request.session { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ProtocolError(description: "the browser closed its pipe (\(request.method))") }
            written += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while let end = buffer.firstIndex(of: 0) {
                let frame = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let answer = try JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any],
                      answer["id"] as? Int == id else { continue }
                if let error = answer["error"] as? [String: Any] {
                    throw ProtocolError(description: "\(request.method): \(error["message"] ?? error)")
                }
                return answer["result"] as? [String: Any] ?? [:]
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw ProtocolError(description: "\(request.method): no answer in \(Int(timeout)) s") }
            var descriptor = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(min(remaining, 1) * 1000)) >= 0 else { continue }
            guard descriptor.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(answers, &chunk, chunk.count)
            guard n > 0 else { throw ProtocolError(description: "the browser closed its pipe (\(request.method))") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// A new tab of `width`×`height`, attached so that commands can be sent to it.
    func newPage(width: Int, height: Int) async throws -> Page {
        let target = try await call("Target.createTarget", ["url": "about:blank"])
        let targetId = try Self.string(target["targetId"], "targetId")
        let attached = try await call("Target.attachToTarget", ["targetId": targetId, "flatten": true])
        let page = Page(browser: self, session: try Self.string(attached["sessionId"], "sessionId"))
        _ = try await call("Page.enable", session: page.session)
        _ = try await call("Runtime.enable", session: page.session)
        _ = try await call("Emulation.setDeviceMetricsOverride", session: page.session,
                           ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
        return page
    }

    /// Ends the browser and deletes its profile.
    func close() {
        guard !closed.withLock({ old in defer { old = true }; return old }) else { return }
        Glibc.close(commands)
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { usleep(100_000) }
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        Glibc.close(answers)
        try? FileManager.default.removeItem(atPath: profile)
    }

    static func string(_ value: Any?, _ name: String) throws -> String {
        guard let text = value as? String else { throw ProtocolError(description: "no \(name) in the answer") }
        return text
    }

    /// One tab.
    struct Page: Sendable {
        let browser: DevToolsBrowser
        let session: String

        func navigate(_ url: String) async throws {
            _ = try await browser.call("Page.navigate", session: session, ["url": url])
        }

        /// The value of a JavaScript expression (awaited when it is a promise), as JSON gives it.
        func evaluate(_ expression: String) async throws -> Any? {
            let result = try await browser.call("Runtime.evaluate", session: session,
                                                ["expression": expression, "awaitPromise": true, "returnByValue": true])
            if let exception = result["exceptionDetails"] as? [String: Any] {
                let text = (exception["exception"] as? [String: Any])?["description"] ?? exception["text"] ?? exception
                throw ProtocolError(description: "script failed: \(text)\n\(expression)")
            }
            return (result["result"] as? [String: Any])?["value"]
        }

        /// Waits until the expression is truthy (not null, false, 0 or ""); returns its value.
        @discardableResult
        func waitFor(_ expression: String, timeout: Duration = .seconds(60)) async throws -> Any {
            let deadline = ContinuousClock.now + timeout
            while true {
                if let value = try await evaluate(expression), Self.truthy(value) { return value }
                guard ContinuousClock.now < deadline else {
                    let text = (try? await evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")) as? String
                    throw ProtocolError(description: "waited \(timeout) for: \(expression)\nthe page shows:\n\(text ?? "-")")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        static func truthy(_ value: Any) -> Bool {
            switch value {
            case let flag as Bool: flag
            case let number as NSNumber: number.doubleValue != 0
            case let text as String: !text.isEmpty
            case is NSNull: false
            default: true
            }
        }

        /// A PNG of what the tab shows.
        func screenshot(to path: String) async throws {
            let result = try await browser.call("Page.captureScreenshot", session: session, ["format": "png"])
            guard let data = Data(base64Encoded: try DevToolsBrowser.string(result["data"], "data")) else {
                throw ProtocolError(description: "the screenshot is not base64")
            }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        }
    }
}
