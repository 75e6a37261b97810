import Foundation
import MinshengModel

/// One labelled example of the corpus (Services/Classification/Corpus/README.md).
struct CorpusExample: Codable, Sendable {
    var id: String
    var channel: Source
    var text: String
    var category: MinshengModel.Category
    var level: Level
    var police: Bool
    var shuangfei: Bool
    var requestType: RequestType?
    var town: String?
    var village: String?

    var input: ModelInput { ModelInput(text: text, source: channel, requestType: requestType) }

    /// Reads a JSON-lines file; a bad line stops with its line number.
    static func load(path: String) throws -> [CorpusExample] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError("\(path): cannot read the corpus")
        }
        let decoder = JSONDecoder()
        var examples: [CorpusExample] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                examples.append(try decoder.decode(CorpusExample.self, from: Data(trimmed.utf8)))
            } catch {
                throw ModelFileError("\(path):\(index + 1): \(error)")
            }
        }
        return examples
    }
}
