import Foundation
import MinshengModel

/// The trained text models the classification service loads: category, level, police matter and critical
/// (a danger to life, or a crime or fire in progress: a yes/no model of its own, sharper than the level
/// model's share of critical), each a
/// `LinearTextModel` over one shared `FeatureVocabulary` of character 1–3-grams, plus how many training
/// texts each feature occurs in (the IDF weights of report similarity). Written by
/// `minsheng-classification train` to `classifier.model` in the config directory.
struct ClassifierModel: Sendable, Equatable {
    static let fileName = "classifier.model"
    static let formatVersion: UInt32 = 5

    var vocabulary: FeatureVocabulary
    var category: LinearTextModel
    var level: LinearTextModel
    var police: LinearTextModel
    var critical: LinearTextModel
    /// Training texts each vocabulary row occurs in (capped at 65,535).
    var documentFrequency: [UInt16]
    /// How much each vocabulary row says about the problem, 0…255: 1 minus the normalised entropy of the
    /// categories of the training texts holding it, smoothed towards the overall mix (so an n-gram seen
    /// in few texts says little). Boilerplate (来电人, 反映) and function words spread over every category
    /// and score near 0; the words of a problem (停车, 收费, 漏水) score high. Report similarity weighs
    /// n-grams by it.
    var topicWeight: [UInt8]
    /// Training texts in all.
    var documentCount: Int
    /// For each training text, its most telling vocabulary rows (by topic weight times IDF, at most
    /// `ClassifierTrainer.exemplarRows`): report similarity finds a report's nearest training texts and
    /// compares two reports by the neighbours they share (reports of one problem in other words still
    /// resemble the same training texts).
    var exemplars: [[Int32]]
    /// Whether each training text (parallel to `exemplars`) is critical: the critical model's second
    /// opinion from a report's nearest training texts (`CriticalNeighbours`).
    var exemplarCritical: [Bool]
    /// What problem a report is about (问题类型), learnt from the training texts' labels
    /// (`Corpus/problem_types.txt`, `train_problem_types.tsv`): report similarity compares two reports by
    /// their likeliest types. Nil when the model was trained without them.
    var problemTypeModel: ProblemTypeModel?
    /// A fingerprint of what the problem-type model was trained from (texts, labels, parameters), so a
    /// test can tell that the shipped one is stale without training it again.
    var problemTypeSource: UInt64 = 0
    /// How each task's model was made (kind and parameters), so that a test can refit it.
    var recipes: [TrainingRecipe]
    /// What it was trained on, for provenance: corpus file and examples.
    var trainedOn: String

    /// A short stable fingerprint of the model: report signatures stored with another one are recomputed.
    var fingerprint: UInt64 {
        var writer = BinaryWriter()
        writer.uint32(UInt32(documentCount))
        writer.reserve(vocabulary.count * 10)
        for row in vocabulary.keys.indices {
            writer.uint64(vocabulary.keys[row])
            writer.uint16(documentFrequency[row])
            writer.bytes([topicWeight[row]])
        }
        // The problem types change what a signature holds, so they count, when there are any (a model
        // without them keeps the fingerprint it had).
        if let problemTypeModel {
            writer.uint64(problemTypeSource)
            problemTypeModel.write(to: &writer)
        }
        return FNV1a.hash(writer.buffer)
    }

    // MARK: File format
    // "MSCM" magic, UInt32 format version, trainedOn (string), recipes (string, JSON), document count
    // (UInt32), vocabulary (count, then UInt64 key, UInt16 document frequency and UInt8 topic weight each), then for each of
    // category, level, police, critical: classes (count + strings), temperature (Float32), bias (Float32 per class),
    // weights (Float32 per class per vocabulary row); then the exemplars (count, then for each: row count and
    // UInt32 rows); then whether each exemplar is critical (count, then one byte each, 0 or 1). Little-endian;
    // strings are UInt32 length + UTF-8; then one byte, 1 when a problem-type model follows (its source
    // fingerprint, UInt64, then `ProblemTypeModel`'s own layout), else 0. Version 4 added the exemplars'
    // critical flags, version 5 the problem types; version 4 files still read, without problem types.

    func serialized() -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes(Array("MSCM".utf8))
        writer.uint32(Self.formatVersion)
        writer.string(trainedOn)
        let recipesJSON = (try? JSONEncoder.sorted.encode(recipes)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        writer.string(recipesJSON)
        writer.uint32(UInt32(documentCount))
        writer.uint32(UInt32(vocabulary.count))
        for (row, key) in vocabulary.keys.enumerated() {
            writer.uint64(key)
            writer.uint16(documentFrequency[row])
            writer.bytes([topicWeight[row]])
        }
        for model in [category, level, police, critical] {
            writer.uint32(UInt32(model.classes.count))
            for label in model.classes { writer.string(label) }
            writer.float(model.temperature)
            for value in model.bias { writer.float(value) }
            writer.reserve(model.weights.count * 4)
            for value in model.weights { writer.float(value) }
        }
        writer.uint32(UInt32(exemplars.count))
        for rows in exemplars {
            writer.uint32(UInt32(rows.count))
            for row in rows { writer.uint32(UInt32(bitPattern: row)) }
        }
        writer.uint32(UInt32(exemplarCritical.count))
        writer.bytes(exemplarCritical.map { $0 ? 1 : 0 })
        if let problemTypeModel {
            writer.bytes([1])
            writer.uint64(problemTypeSource)
            problemTypeModel.write(to: &writer)
        } else {
            writer.bytes([0])
        }
        return writer.buffer
    }

    init(vocabulary: FeatureVocabulary, category: LinearTextModel, level: LinearTextModel, police: LinearTextModel,
         critical: LinearTextModel,
         documentFrequency: [UInt16], topicWeight: [UInt8], documentCount: Int, exemplars: [[Int32]], exemplarCritical: [Bool],
         recipes: [TrainingRecipe], trainedOn: String) {
        precondition(exemplarCritical.count == exemplars.count)
        self.exemplars = exemplars
        self.exemplarCritical = exemplarCritical
        precondition(documentFrequency.count == vocabulary.count && topicWeight.count == vocabulary.count)
        self.topicWeight = topicWeight
        self.vocabulary = vocabulary
        self.category = category
        self.level = level
        self.police = police
        self.critical = critical
        self.documentFrequency = documentFrequency
        self.documentCount = documentCount
        self.recipes = recipes
        self.trainedOn = trainedOn
    }

    init(serialized bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        guard try reader.bytes(4) == Array("MSCM".utf8) else { throw ModelFileError("not a Minsheng classifier model file") }
        let version = try reader.uint32()
        guard version == Self.formatVersion || version == 4 else {
            throw ModelFileError("model format \(version) is not supported (expected \(Self.formatVersion)); train one with `minsheng-classification train`")
        }
        trainedOn = try reader.string()
        do {
            recipes = try JSONDecoder().decode([TrainingRecipe].self, from: Data(try reader.string().utf8))
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError("bad training recipes: \(error)")
        }
        documentCount = Int(try reader.uint32())
        let featureCount = Int(try reader.uint32())
        guard featureCount <= 10_000_000 else { throw ModelFileError("bad feature count \(featureCount)") }
        var keys: [TextFeatures.Key] = []
        var frequencies: [UInt16] = []
        var topics: [UInt8] = []
        keys.reserveCapacity(featureCount)
        frequencies.reserveCapacity(featureCount)
        topics.reserveCapacity(featureCount)
        for _ in 0..<featureCount {
            keys.append(try reader.uint64())
            frequencies.append(try reader.uint16())
            topics.append(try reader.bytes(1)[0])
        }
        guard zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 }) else { throw ModelFileError("the vocabulary is not sorted") }
        vocabulary = FeatureVocabulary(keys: keys)
        documentFrequency = frequencies
        topicWeight = topics
        var models: [LinearTextModel] = []
        for _ in 0..<4 {
            let classCount = Int(try reader.uint32())
            guard (1...64).contains(classCount) else { throw ModelFileError("bad class count \(classCount)") }
            let classes = try (0..<classCount).map { _ in try reader.string() }
            let temperature = try reader.float()
            guard temperature > 0 && temperature.isFinite else { throw ModelFileError("bad temperature \(temperature)") }
            let bias = try (0..<classCount).map { _ in try reader.float() }
            let weights = try reader.floats(featureCount * classCount)
            guard weights.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else { throw ModelFileError("a weight is not finite") }
            models.append(LinearTextModel(classes: classes, bias: bias, weights: weights, temperature: temperature))
        }
        let exemplarCount = Int(try reader.uint32())
        guard exemplarCount <= 1_000_000 else { throw ModelFileError("bad exemplar count \(exemplarCount)") }
        exemplars = try (0..<exemplarCount).map { _ in
            let count = Int(try reader.uint32())
            guard count <= 4096 else { throw ModelFileError("bad exemplar length \(count)") }
            return try (0..<count).map { _ in
                let row = Int32(bitPattern: try reader.uint32())
                guard row >= 0 && Int(row) < featureCount else { throw ModelFileError("exemplar row \(row) out of range") }
                return row
            }
        }
        let flagCount = Int(try reader.uint32())
        guard flagCount == exemplarCount else { throw ModelFileError("\(flagCount) critical flags for \(exemplarCount) exemplars") }
        let flags = try reader.bytes(flagCount)
        guard flags.allSatisfy({ $0 <= 1 }) else { throw ModelFileError("a critical flag is neither 0 nor 1") }
        exemplarCritical = flags.map { $0 == 1 }
        if version >= 5 {
            switch try reader.bytes(1)[0] {
            case 0: break
            case 1:
                problemTypeSource = try reader.uint64()
                problemTypeModel = try ProblemTypeModel(reading: &reader, vocabularySize: featureCount)
            case let flag: throw ModelFileError("bad problem-type flag \(flag)")
            }
        }
        guard reader.isAtEnd else { throw ModelFileError("trailing bytes after the problem-type model") }
        category = models[0]
        level = models[1]
        police = models[2]
        critical = models[3]
        guard Set(category.classes).isSubset(of: Set(MinshengModel.Category.allCases.map(\.rawValue))),
              Set(level.classes).isSubset(of: ["critical", "urgent", "normal", "low"]),
              Set(police.classes).isSubset(of: ["true", "false"]), Set(critical.classes).isSubset(of: ["true", "false"]) else {
            throw ModelFileError("a model has unexpected classes")
        }
    }

    static func load(directory: String) throws -> ClassifierModel {
        let path = "\(directory)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError("\(path): cannot read the model; train one with `minsheng-classification train`")
        }
        do {
            return try ClassifierModel(serialized: Array(data))
        } catch let error as ModelFileError {
            throw ModelFileError("\(path): \(error.description)")
        }
    }
}

/// How one task's model was made, recorded in the model file.
struct TrainingRecipe: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case naiveBayes = "naive_bayes"
        case logisticRegression = "logistic_regression"
        /// Naive Bayes and logistic regression, each scaled by its own temperature, mixed in log space.
        case blend
    }

    var task: String
    var kind: Kind
    var smoothing: Float
    var l2: Float
    var epochs: Int
    var learningRate: Float
    /// The share of naive Bayes in a blend.
    var mix: Float
    /// The temperatures of the two parts of a blend, fitted on held-out folds.
    var naiveBayesTemperature: Float
    var logisticTemperature: Float
    /// The whole model's temperature, fitted on held-out folds.
    var temperature: Float
    /// Critical only: the share of the nearest training texts' opinion (`CriticalNeighbours`) in the critical
    /// log-odds, and the temperature of that opinion, both chosen on held-out folds; absent or 0: none.
    var neighbourMix: Float?
    var neighbourTemperature: Float?

    var summary: String {
        let model = switch kind {
        case .naiveBayes: "naive Bayes (smoothing \(smoothing))"
        case .logisticRegression: "logistic regression (L2 \(l2), \(epochs) epochs)"
        case .blend: "blend: \(mix) naive Bayes (smoothing \(smoothing)) + \(1 - mix) logistic regression (L2 \(l2), \(epochs) epochs)"
        }
        guard let mix = neighbourMix, mix > 0 else { return model }
        return model + ", with \(mix) of the \(CriticalNeighbours.count) nearest training texts' opinion"
    }
}

struct ModelFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

struct BinaryWriter {
    var buffer: [UInt8] = []
    mutating func reserve(_ count: Int) { buffer.reserveCapacity(buffer.count + count) }
    mutating func bytes(_ bytes: [UInt8]) { buffer += bytes }
    mutating func uint16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
    mutating func float(_ value: Float) { uint32(value.bitPattern) }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        uint32(UInt32(utf8.count))
        buffer += utf8
    }
}

struct BinaryReader {
    let buffer: [UInt8]
    var offset = 0
    init(_ buffer: [UInt8]) { self.buffer = buffer }
    var isAtEnd: Bool { offset == buffer.count }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= buffer.count else { throw ModelFileError("the file is truncated") }
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }
    mutating func uint16() throws -> UInt16 {
        guard offset + 2 <= buffer.count else { throw ModelFileError("the file is truncated") }
        defer { offset += 2 }
        return UInt16(buffer[offset]) | UInt16(buffer[offset + 1]) << 8
    }
    mutating func uint32() throws -> UInt32 {
        guard offset + 4 <= buffer.count else { throw ModelFileError("the file is truncated") }
        defer { offset += 4 }
        return UInt32(buffer[offset]) | UInt32(buffer[offset + 1]) << 8 | UInt32(buffer[offset + 2]) << 16
            | UInt32(buffer[offset + 3]) << 24
    }
    mutating func uint64() throws -> UInt64 {
        let low = UInt64(try uint32())
        return low | UInt64(try uint32()) << 32
    }
    mutating func float() throws -> Float { Float(bitPattern: try uint32()) }
    mutating func floats(_ count: Int) throws -> [Float] {
        guard count >= 0, offset + count * 4 <= buffer.count else { throw ModelFileError("the file is truncated") }
        var result = [Float](repeating: 0, count: count)
        result.withUnsafeMutableBytes { destination in
            buffer.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count * 4]))
            }
        }
        offset += count * 4
        #if _endian(big)
        result = result.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return result
    }
    mutating func string() throws -> String {
        let count = Int(try uint32())
        guard count <= 1 << 20 else { throw ModelFileError("bad string length") }
        guard let text = String(validating: try bytes(count), as: UTF8.self) else { throw ModelFileError("bad UTF-8") }
        return text
    }
}
