import Foundation

/// The trained text models the classification service loads: category, level and police matter,
/// each a naive Bayes over the same character n-gram features. Written by
/// `minsheng-classification train` to `classifier.model` in the config directory.
struct ClassifierModel: Sendable, Equatable {
    static let fileName = "classifier.model"
    static let formatVersion: UInt32 = 2

    var category: NaiveBayes
    var level: NaiveBayes
    var police: NaiveBayes
    /// What it was trained on, for `--help`-level provenance: corpus file, examples, smoothing.
    var trainedOn: String

    // MARK: File format
    // "MSCM" magic, UInt32 format version, then: trainedOn (string), and for each of the three models:
    // classes (count + strings), temperature (Float32), priors (Float32 each), features (count, then UInt64 key and one Float32
    // per class each). Little-endian throughout; strings are UInt32 length + UTF-8.

    func serialized() -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes(Array("MSCM".utf8))
        writer.uint32(Self.formatVersion)
        writer.string(trainedOn)
        for model in [category, level, police] {
            writer.uint32(UInt32(model.classes.count))
            for label in model.classes { writer.string(label) }
            writer.float(model.temperature)
            for prior in model.logPriors { writer.float(prior) }
            writer.uint32(UInt32(model.featureKeys.count))
            for (row, key) in model.featureKeys.enumerated() {
                writer.uint64(key)
                for c in 0..<model.classes.count { writer.float(model.logLikelihoods[row * model.classes.count + c]) }
            }
        }
        return writer.buffer
    }

    init(category: NaiveBayes, level: NaiveBayes, police: NaiveBayes, trainedOn: String) {
        self.category = category
        self.level = level
        self.police = police
        self.trainedOn = trainedOn
    }

    init(serialized bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        guard try reader.bytes(4) == Array("MSCM".utf8) else { throw ModelFileError("not a Minsheng classifier model file") }
        let version = try reader.uint32()
        guard version == Self.formatVersion else { throw ModelFileError("model format \(version) is not supported (expected \(Self.formatVersion))") }
        trainedOn = try reader.string()
        var models: [NaiveBayes] = []
        for _ in 0..<3 {
            let classCount = Int(try reader.uint32())
            guard (1...64).contains(classCount) else { throw ModelFileError("bad class count \(classCount)") }
            let classes = try (0..<classCount).map { _ in try reader.string() }
            let temperature = try reader.float()
            guard temperature > 0 && temperature.isFinite else { throw ModelFileError("bad temperature \(temperature)") }
            let priors = try (0..<classCount).map { _ in try reader.float() }
            let featureCount = Int(try reader.uint32())
            guard featureCount <= 10_000_000 else { throw ModelFileError("bad feature count \(featureCount)") }
            var keys: [TextFeatures.Key] = []
            keys.reserveCapacity(featureCount)
            var weights: [Float] = []
            weights.reserveCapacity(featureCount * classCount)
            for _ in 0..<featureCount {
                keys.append(try reader.uint64())
                for _ in 0..<classCount { weights.append(try reader.float()) }
            }
            models.append(NaiveBayes(classes: classes, logPriors: priors, featureKeys: keys, logLikelihoods: weights,
                                     temperature: temperature))
        }
        guard reader.isAtEnd else { throw ModelFileError("trailing bytes after the models") }
        category = models[0]
        level = models[1]
        police = models[2]
        guard Set(level.classes).isSubset(of: ["critical", "urgent", "normal", "low"]),
              Set(police.classes).isSubset(of: ["true", "false"]) else {
            throw ModelFileError("the level or police model has unexpected classes")
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

struct ModelFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private struct BinaryWriter {
    var buffer: [UInt8] = []
    mutating func bytes(_ bytes: [UInt8]) { buffer += bytes }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer += $0 } }
    mutating func float(_ value: Float) { uint32(value.bitPattern) }
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        uint32(UInt32(utf8.count))
        buffer += utf8
    }
}

private struct BinaryReader {
    let buffer: [UInt8]
    var offset = 0
    init(_ buffer: [UInt8]) { self.buffer = buffer }
    var isAtEnd: Bool { offset == buffer.count }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= buffer.count else { throw ModelFileError("the file is truncated") }
        defer { offset += count }
        return Array(buffer[offset..<offset + count])
    }
    mutating func uint32() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
    mutating func uint64() throws -> UInt64 {
        let low = UInt64(try uint32())
        return low | UInt64(try uint32()) << 32
    }
    mutating func float() throws -> Float { Float(bitPattern: try uint32()) }
    mutating func string() throws -> String {
        let count = Int(try uint32())
        guard count <= 1 << 20 else { throw ModelFileError("bad string length") }
        guard let text = String(validating: try bytes(count), as: UTF8.self) else { throw ModelFileError("bad UTF-8") }
        return text
    }
}
