import Foundation
import MinshengPlatform
import Testing

/// docker-compose.yml must set only variables the executables read, and the essential ones.
@Suite("docker-compose.yml matches the executables' settings")
struct ComposeEnvironmentTests {
    /// The `environment:` keys of each service in the compose file (a small reader for its plain layout).
    static func environments() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: TestSupport.root + "/docker-compose.yml", encoding: .utf8)
        var result: [String: Set<String>] = [:]
        var service: String?
        var inEnvironment = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            if indent == 2, content.hasSuffix(":") {
                service = String(content.dropLast())
                inEnvironment = false
            } else if indent == 4 {
                inEnvironment = content == "environment:"
            } else if indent == 6, inEnvironment, let service, let colon = content.firstIndex(of: ":") {
                result[service, default: []].insert(String(content[..<colon]))
            } else if indent < 2 {
                service = nil
            }
        }
        return result
    }

    @Test(arguments: ServiceName.allCases)
    func composeSetsOnlyKnownVariables(service: ServiceName) throws {
        let environment = try #require(try Self.environments()[service.rawValue], "no \(service.rawValue) service in docker-compose.yml")
        let known = Set(ServiceSettings.variables(for: service).map(\.name))
        #expect(environment.subtracting(known).isEmpty, "unknown variables: \(environment.subtracting(known).sorted())")
        for required in ["KAFKA_BOOTSTRAP_SERVERS", "MINSHENG_DATA_DIR", "MINSHENG_CONFIG_DIR", "HTTP_PORT"] {
            #expect(environment.contains(required), "\(service.rawValue) does not set \(required)")
        }
        // `docker-compose up --scale <service>=N`: replicas share the environment, so the instance id
        // must come from each container's host name, and each needs a data directory of its own.
        #expect(!environment.contains("MINSHENG_INSTANCE_ID"), "\(service.rawValue) fixes MINSHENG_INSTANCE_ID: replicas would share it")
    }

    @Test(arguments: ServiceName.allCases)
    func replicasKeepADataDirectoryEach(service: ServiceName) throws {
        let text = try String(contentsOfFile: TestSupport.root + "/docker-compose.yml", encoding: .utf8)
        let block = try #require(text.components(separatedBy: "\n  \(service.rawValue):\n").dropFirst().first)
        let dataDir = block.split(separator: "\n").first { $0.contains("MINSHENG_DATA_DIR:") }
        #expect(dataDir?.contains("{instance}") == true, "\(service.rawValue): \(dataDir ?? "no MINSHENG_DATA_DIR")")
        let settings = try ServiceSettings.load(for: service, environment: ["MINSHENG_DATA_DIR": "/data/{instance}", "MINSHENG_INSTANCE_ID": "x-7"])
        #expect(settings.dataDirectory == "/data/x-7")
    }

    @Test(arguments: ServiceName.allCases)
    func composeValuesAreValidSettings(service: ServiceName) throws {
        let text = try String(contentsOfFile: TestSupport.root + "/docker-compose.yml", encoding: .utf8)
        // Take the service's block and read KEY: value lines under environment.
        let block = try #require(text.components(separatedBy: "\n  \(service.rawValue):\n").dropFirst().first)
        var environment: [String: String] = [:]
        for line in block.split(separator: "\n") {
            guard line.hasPrefix("      "), let colon = line.firstIndex(of: ":") else {
                if !line.hasPrefix("    ") { break }
                continue
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if key.allSatisfy({ $0.isUppercase || $0 == "_" }) { environment[key] = value }
        }
        #expect(throws: Never.self) { try ServiceSettings.load(for: service, environment: environment) }
        #expect(environment["HTTP_PORT"] == "\(service.defaultHTTPPort)")
    }
}
