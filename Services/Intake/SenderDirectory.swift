import Foundation
import MinshengModel
import MinshengPlatform

/// The systems allowed to post events over HTTP (`intake-senders.json` in the config directory): each
/// with the hash of its token and the sources it may post to, so that only the 110 system speaks as
/// `police110`, only the hotline as `hotline12345`, and so on (docs/security.md). Requests are limited
/// per sender: `rateLimit` for all, or the sender's own.
struct SenderDirectory: Sendable {
    struct Sender: Sendable, Equatable {
        var id: String
        var name: String
        var sources: Set<Source>
        var tokenHash: TokenHash
        var rateLimit: ClientRateLimiter.Limit?
    }

    /// `intake-senders.json` as written.
    struct File: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var id: String
            var name: String
            var sources: [String]
            var tokenHash: String
            var rateLimit: ClientRateLimiter.Limit?
        }
        var rateLimit: ClientRateLimiter.Limit
        var senders: [Entry]
    }

    static let fileName = "intake-senders.json"

    var senders: [Sender]
    var rateLimit: ClientRateLimiter.Limit

    /// The directory a file describes, or every problem in it, each naming its place.
    static func build(_ file: File) -> Result<SenderDirectory, ConfigurationError> {
        var problems: [String] = []
        var senders: [Sender] = []
        var ids = Set<String>()
        var hashes = Set<String>()
        if let problem = file.rateLimit.problem { problems.append("rateLimit: \(problem)") }
        for (index, entry) in file.senders.enumerated() {
            let path = "senders[\(index)]"
            if entry.id.isEmpty || !entry.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                problems.append("\(path).id must be ASCII letters, digits, '-', '_' or '.'")
            }
            if !ids.insert(entry.id).inserted { problems.append("\(path).id \(entry.id) appears twice") }
            var sources = Set<Source>()
            for name in entry.sources {
                guard let source = Source(rawValue: name) else {
                    problems.append("\(path).sources: \(name) is not a source (\(Source.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                sources.insert(source)
            }
            if entry.sources.isEmpty { problems.append("\(path).sources must name at least one source") }
            if let problem = entry.rateLimit?.problem { problems.append("\(path).rateLimit: \(problem)") }
            guard let hash = TokenHash(stored: entry.tokenHash) else {
                problems.append("\(path).tokenHash \(TokenHash.problem(stored: entry.tokenHash) ?? "")")
                continue
            }
            if !hashes.insert(entry.tokenHash).inserted { problems.append("\(path).tokenHash is the same as another sender's") }
            senders.append(Sender(id: entry.id, name: entry.name, sources: sources, tokenHash: hash, rateLimit: entry.rateLimit))
        }
        guard problems.isEmpty else { return .failure(ConfigurationError("\(fileName): " + problems.joined(separator: "; "))) }
        return .success(SenderDirectory(senders: senders, rateLimit: file.rateLimit))
    }

    static func load(directory: String) throws(ConfigurationError) -> SenderDirectory {
        let file = try ConfigFile.load(File.self, file: fileName, directory: directory)
        switch build(file) {
        case .success(let directory): return directory
        case .failure(let error): throw ConfigurationError("\(directory)/\(error.description)")
        }
    }
}
