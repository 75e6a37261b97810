import Foundation
import HTTPTypes
import Hummingbird
import MinshengModel
import MinshengPlatform
import ServiceLifecycle

/// The big screen's data and its live updates.
///
/// - `GET /api/cockpit?period=today|month` (or `from=&to=`): `CockpitBoard`
/// - `GET /api/map`: the towns in SVG (`TownMap`)
/// - `GET /api/stream`: server-sent events, one `change` event (`{"serial","parts"}`) whenever the read
///   model or the operations board changed; a comment every 15 s keeps the connection open
struct CockpitController: Sendable {
    let app: ConsoleApp
    var heartbeat: Duration = .seconds(15)

    func addRoutes(to router: Router<HTTPServer.Context>) {
        router.get("/api/cockpit") { request, _ in
            await ConsoleAPI.respond(request, app, access: .countyWide, changes: false) { session in
                let period = try Self.period(ConsoleAPI.query(request), app: app)
                let now = app.now()
                let board = try await app.database.read { db in
                    try CockpitBoard.compute(period, configuration: app.configuration, operations: app.operations,
                                             maskPhones: !session.account.role.seesPhones, db: db, now: now)
                }
                return ConsoleAPI.json(board)
            }
        }
        router.get("/api/map") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { _ in
                var response = ConsoleAPI.json(app.configuration.map)
                response.headers[.cacheControl] = "private, max-age=3600"
                return response
            }
        }
        router.get("/api/stream") { request, _ in
            await ConsoleAPI.respond(request, app, access: .anyone, changes: false) { _ in stream() }
        }
    }

    /// `period=today` (default), `period=month`, or `from=&to=` (ISO 8601 with an offset).
    static func period(_ query: [String: String], app: ConsoleApp) throws -> Period {
        let now = app.now()
        if let fromText = query["from"], let toText = query["to"] {
            guard let from = MessageCoding.parseTimestamp(fromText) else {
                throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "from 应为带时区的 ISO 8601 时间", field: "from")
            }
            guard let to = MessageCoding.parseTimestamp(toText), to > from else {
                throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "to 应晚于 from", field: "to")
            }
            return Period(from: from, to: to)
        }
        switch query["period"] ?? "today" {
        case "today": return .day(containing: now, calendar: app.configuration.calendar)
        case "month": return .month(containing: now, calendar: app.configuration.calendar)
        default: throw ConsoleAPI.Refusal.badRequest(code: "invalid_field", message: "period 应为 today 或 month", field: "period")
        }
    }

    /// The change notices of one page, until it goes away or the service shuts down.
    private func stream() -> Response {
        let notices = app.feed.subscribe()
        let heartbeat = heartbeat
        let body = ResponseBody { writer in
            let (output, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(32))
            let forwarder = Task {
                for await notice in notices {
                    let data = (try? MessageCoding.encode(notice)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                    continuation.yield("event: change\ndata: \(data)\n\n")
                }
                continuation.finish()
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: heartbeat)
                    continuation.yield(": ping\n\n")
                }
            }
            defer {
                forwarder.cancel()
                ticker.cancel()
                continuation.finish()
            }
            try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
            for await chunk in output.cancelOnGracefulShutdown() {
                try await writer.write(ByteBuffer(string: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                               HTTPField.Name("X-Accel-Buffering")!: "no"], body: body)
    }
}
