import Foundation
import Testing
@testable import MinshengClassification

/// The training texts' problem types (`Corpus/problem_types.txt`, `Corpus/train_problem_types.tsv`):
/// read and checked, and attached to the model's exemplars in the corpus's order.
@Suite("Problem-type labels")
struct ProblemTypeLabelsTests {
    static let corpus = TestSupport.root + "/Services/Classification/Corpus"

    func write(_ taxonomy: String, _ labels: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("problem-types-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try taxonomy.write(toFile: directory + "/" + ProblemTypeLabels.taxonomyFile, atomically: true, encoding: .utf8)
        try labels.write(toFile: directory + "/" + ProblemTypeLabels.labelsFile, atomically: true, encoding: .utf8)
        return directory
    }

    func example(_ id: String) -> CorpusExample {
        CorpusExample(id: id, channel: .hotline12345, text: "路边停车乱收费", category: .traffic, level: .normal, police: false,
                      shuangfei: false, requestType: .complaint, town: nil, village: nil)
    }

    @Test func labelsAreReadInTheTaxonomysOrderAndUnlabelledTextsHaveNone() throws {
        let directory = try write("# types\nmanhole\t井盖\tcovers\nparking-charge\t路边停车收费\tfees\n", "tr-2\tmanhole\ntr-1\tparking-charge\n")
        let labels = try ProblemTypeLabels.load(corpusDirectory: directory)
        #expect(labels.types == ["manhole", "parking-charge"])
        #expect(try labels.indices(for: [example("tr-1"), example("tr-3"), example("tr-2")]) == [1, nil, 0])
    }

    @Test func badLabelsStopWithTheirLine() throws {
        let unknown = try write("manhole\t井盖\tcovers\n", "tr-1\tmanhole\ntr-2\tpothole\n")
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: unknown) }
        let twice = try write("manhole\t井盖\tcovers\n", "tr-1\tmanhole\ntr-1\tmanhole\n")
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: twice) }
        let malformed = try write("manhole\t井盖\tcovers\n", "tr-1 manhole\n")
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: malformed) }
        let repeatedType = try write("manhole\t井盖\tcovers\nmanhole\t井盖\tagain\n", "tr-1\tmanhole\n")
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: repeatedType) }
        // A label for a text the corpus does not hold: the labels belong to another corpus.
        let stray = try ProblemTypeLabels.load(corpusDirectory: try write("manhole\t井盖\tcovers\n", "tr-9\tmanhole\n"))
        #expect(throws: ModelFileError.self) { try stray.indices(for: [example("tr-1")]) }
    }

    /// Every training text is labelled, with a type of the taxonomy, and the types are used: a label
    /// file that fell behind the corpus, or a type nobody uses, shows here.
    @Test func everyTrainingTextHasAProblemType() throws {
        let labels = try ProblemTypeLabels.load(corpusDirectory: Self.corpus)
        let examples = try CorpusExample.load(path: Self.corpus + "/train.jsonl")
        let indices = try labels.indices(for: examples)
        #expect(!indices.contains(nil))
        let used = Set(indices.compactMap { $0 })
        #expect(used.count >= labels.types.count * 9 / 10, "\(labels.types.count - used.count) types unused")
        // `other` is for what no type covers, not a default.
        let other = try #require(labels.types.firstIndex(of: "other"))
        #expect(indices.filter { $0 == other }.count < examples.count / 10)
    }

    /// Trained on a few texts, the model names the type of a text in other words, a place name lends
    /// no type, and the source fingerprint follows the labels.
    @Test func theTrainerLearnsTypesFromWordsNotPlaces() throws {
        let directory = try write("manhole\t井盖\tcovers\nparking-charge\t路边停车收费\tfees\n",
                                  "tr-1\tmanhole\ntr-2\tmanhole\ntr-3\tparking-charge\ntr-4\tparking-charge\n")
        let labels = try ProblemTypeLabels.load(corpusDirectory: directory)
        let texts = ["三港路的井盖不见了，一个大洞", "晚上差点掉进没盖子的井里", "三港路停车收费不给票", "停车被收了十块钱，只让扫个人收款码"]
        let examples = texts.enumerated().map { index, text in
            var example = example("tr-\(index + 1)")
            example.text = text
            return example
        }
        let withoutPlaces = { (text: String) in text.replacingOccurrences(of: "三港路", with: " ") }
        let vocabulary = FeatureVocabulary.build(from: examples.map { TextFeatures.keys(of: $0.text) }, minimumDocuments: 1)
        let (model, source) = try ProblemTypeTrainer.train(labels, vocabulary: vocabulary, examples: examples, withoutPlaceNames: withoutPlaces)
        func likeliest(_ text: String) -> String {
            let probabilities = model.probabilities(vocabulary.rows(of: TextFeatures.keys(of: withoutPlaces(text))))
            return model.types[probabilities.indices.max { probabilities[$0] < probabilities[$1] }!]
        }
        #expect(likeliest("井盖没了") == "manhole")
        #expect(likeliest("收费员不给票") == "parking-charge")
        // 三港路 was in a text of each type and is taken out: it leans to neither.
        let road = model.probabilities(vocabulary.rows(of: TextFeatures.keys(of: withoutPlaces("三港路"))))
        #expect(abs(road[0] - road[1]) < 0.2)
        let relabelled = try ProblemTypeLabels.load(corpusDirectory: try write("manhole\t井盖\tcovers\nparking-charge\t路边停车收费\tfees\n",
                                                                               "tr-1\tmanhole\ntr-2\tparking-charge\ntr-3\tparking-charge\ntr-4\tparking-charge\n"))
        #expect(ProblemTypeTrainer.source(relabelled, vocabulary: vocabulary, examples: examples, withoutPlaceNames: withoutPlaces) != source)
    }

    /// Texts written for the type model alone (`problem_type_texts.tsv`: type TAB text) are read and
    /// checked like the labels, teach the type model what the corpus does not say, and change its
    /// fingerprint; without the file there are none.
    @Test func textsForTheTypeModelAloneAreReadCheckedAndLearnt() throws {
        let taxonomy = "manhole\t井盖\tcovers\nparking-charge\t路边停车收费\tfees\n"
        let directory = try write(taxonomy, "tr-1\tmanhole\ntr-2\tparking-charge\n")
        #expect(try ProblemTypeLabels.load(corpusDirectory: directory).typeTexts.isEmpty)
        func withTypeTexts(_ lines: String) throws -> String {
            let copy = try write(taxonomy, "tr-1\tmanhole\ntr-2\tparking-charge\n")
            try lines.write(toFile: copy + "/" + ProblemTypeLabels.typeTextsFile, atomically: true, encoding: .utf8)
            return copy
        }
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: try withTypeTexts("pothole\t路上一个坑\n")) }
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: try withTypeTexts("manhole 没盖子\n")) }
        #expect(throws: ModelFileError.self) { try ProblemTypeLabels.load(corpusDirectory: try withTypeTexts("manhole\t\n")) }
        let labels = try ProblemTypeLabels.load(corpusDirectory: try withTypeTexts("# oblique\nmanhole\t菜场门口那个洞谁来管管\nmanhole\t差点一脚踩空掉下去\n"))
        #expect(labels.typeTexts == [.init(type: "manhole", text: "菜场门口那个洞谁来管管"), .init(type: "manhole", text: "差点一脚踩空掉下去")])
        let texts = ["井盖不见了", "停车收费不给票"]
        let examples = texts.enumerated().map { index, text in
            var example = example("tr-\(index + 1)")
            example.text = text
            return example
        }
        let vocabulary = FeatureVocabulary.build(from: (texts + labels.typeTexts.map(\.text)).map { TextFeatures.keys(of: $0) }, minimumDocuments: 1)
        let without = try ProblemTypeLabels.load(corpusDirectory: directory)
        let (plain, plainSource) = try ProblemTypeTrainer.train(without, vocabulary: vocabulary, examples: examples, withoutPlaceNames: { $0 })
        let (taught, taughtSource) = try ProblemTypeTrainer.train(labels, vocabulary: vocabulary, examples: examples, withoutPlaceNames: { $0 })
        let hole = vocabulary.rows(of: TextFeatures.keys(of: "那个洞谁来管"))
        #expect(taught.probabilities(hole)[0] > plain.probabilities(hole)[0] + 0.2)
        #expect(taughtSource != plainSource)
    }
}
