import Foundation
import Hummingbird
import MinshengPlatform
import Testing
@testable import MinshengDispatch

/// docs/openapi.yaml and the routes dispatch serves are the same set, both ways.
@Suite("docs/openapi.yaml matches the dispatch API")
struct OpenAPIDocTests {
    /// `METHOD /path` for each operation under `paths:` (a small reader for the file's plain layout).
    static func documented() throws -> Set<String> {
        let text = try String(contentsOfFile: TestSupport.root + "/docs/openapi.yaml", encoding: .utf8)
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:" }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(key) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
    }

    /// The API routes the controllers register, with `{id}` for captures.
    static func served() throws -> Set<String> {
        let fixture = try DispatchFixture()
        let router = Router(context: HTTPServer.Context.self)
        WorkOrderController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, onCommit: {},
                            access: fixture.access)
            .addRoutes(to: router)
        StatsController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock, access: fixture.access)
            .addRoutes(to: router)
        HotspotTaskController(database: fixture.database.writer, configuration: fixture.store, clock: fixture.clock,
                              access: fixture.access, onCommit: {})
            .addRoutes(to: router)
        return Set(router.routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method) /" + path.joined(separator: "/")
        })
    }

    @Test func everyDocumentedOperationIsServedAndEveryServedOneDocumented() throws {
        let documented = try Self.documented()
        let served = try Self.served()
        #expect(documented.count >= 11)
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
    }
}
