import Foundation
import MinshengPlatform
import Testing

/// deploy/compose/docker-compose.sasl.yml sets only variables the executables read, and what it sets
/// (on top of docker-compose.yml) is a valid configuration of each service.
@Suite("Security: the SASL compose variant")
struct ComposeSASLVariantTests {
    /// `KEY: value` lines at the given indent under `block:` (two spaces deeper than services).
    static func variables(in text: String, block: String, indent: Int) -> [String: String] {
        var result: [String: String] = [:]
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let depth = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            if content == "\(block):" || content.hasPrefix("\(block): &") { inside = true; continue }
            if inside && depth < indent { inside = false }
            guard inside, depth == indent, let colon = content.firstIndex(of: ":") else { continue }
            let key = String(content[..<colon])
            guard key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { continue }
            result[key] = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return result
    }

    @Test(arguments: ServiceName.allCases)
    func theVariantConfiguresEachServiceForSASL(service: ServiceName) throws {
        let text = try String(contentsOfFile: TestSupport.root + "/deploy/compose/docker-compose.sasl.yml", encoding: .utf8)
        let shared = Self.variables(in: text, block: "x-kafka-client", indent: 2)
        let rest = try #require(text.components(separatedBy: "\n  \(service.rawValue):\n").dropFirst().first)
        // The service's own lines: up to the next line indented two spaces or less.
        let block = rest.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.isEmpty || $0.hasPrefix("   ") }.joined(separator: "\n")
        let own = Self.variables(in: "  \(service.rawValue):\n" + block, block: "environment", indent: 6)
        #expect(block.contains("<<: *kafka-client"))
        var environment = shared.merging(own) { $1 }
        let known = Set(ServiceSettings.variables(for: service).map(\.name))
        #expect(Set(environment.keys).subtracting(known).isEmpty, "unknown: \(Set(environment.keys).subtracting(known))")
        #expect(environment["KAFKA_SASL_USERNAME"] == "minsheng-\(service.rawValue)")
        // The password file is a docker secret; stand in a real file for it.
        let passwordFile = NSTemporaryDirectory() + "sasl-\(UUID().uuidString)"
        try "x\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        environment["KAFKA_SASL_PASSWORD_FILE"] = passwordFile
        environment["KAFKA_BOOTSTRAP_SERVERS"] = "kafka:9092"
        let settings = try ServiceSettings.load(for: service, environment: environment)
        #expect(settings.kafkaSecurity.securityProtocol == .saslPlaintext)
        #expect(settings.kafkaSecurity.mechanism == .scramSHA512)
        #expect(!settings.demoMode)
    }
}
