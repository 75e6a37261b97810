import Foundation
import MinshengModel
import Testing
@testable import MinshengClassification

@Suite("Text features and naive Bayes")
struct TextModelTests {
    @Test func featuresAreUnigramsAndBigramsOfNormalisedText() {
        let keys = Set(TextFeatures.keys(of: "停车，收费 ＡB"))
        let described = Set(keys.map(TextFeatures.describe))
        #expect(described == ["停", "车", "收", "费", "a", "b", "停车", "车收", "收费", "费a", "ab"])
    }

    @Test func repeatedNgramsCountOnce() {
        #expect(TextFeatures.keys(of: "吵吵吵吵").count == 2)  // 吵 and 吵吵
    }

    @Test func contextFeaturesDoNotCollideWithText() {
        let input = ModelInput(text: "停车", source: .police110, requestType: .consult)
        #expect(input.features.count == TextFeatures.keys(of: "停车").count + 2)
        #expect(ModelInput.contextKey("source:police110") & (1 << 63) == 0)
    }

    static let tiny: [(String, String)] = [
        ("老板拖欠工资不给", "labor"), ("工地欠薪三个月", "labor"), ("讨要工资被拒", "labor"),
        ("楼下停车乱收费", "market"), ("超市卖过期食品", "market"), ("商家不给退款", "market"),
    ]

    func tinyModel() -> NaiveBayes {
        NaiveBayes.train(Self.tiny.map { (TextFeatures.keys(of: $0.0), $0.1) }, smoothing: 0.1)
    }

    @Test func trainsAndPredictsWithProbabilities() {
        let model = tinyModel()
        #expect(model.classes == ["labor", "market"])
        let prediction = model.predict(TextFeatures.keys(of: "公司拖欠工资"))
        #expect(prediction.label == "labor")
        #expect(prediction.probabilities.reduce(0, +) > 0.999)
        #expect(prediction.topFeatures(2).allSatisfy { "拖欠工资".contains($0) || $0 == "资" })
        #expect(model.predict(TextFeatures.keys(of: "食品过期了")).label == "market")
    }

    @Test func trainingIsDeterministic() {
        #expect(tinyModel() == tinyModel())
    }

    @Test func aHigherTemperatureIsLessSure() {
        var model = tinyModel()
        let sure = model.predict(TextFeatures.keys(of: "拖欠工资")).confidence
        model.temperature = 8
        #expect(model.predict(TextFeatures.keys(of: "拖欠工资")).confidence < sure)
    }

    @Test func theModelFileRoundTripsAndRejectsDamage() throws {
        let model = ClassifierModel(category: tinyModel(), level: NaiveBayes.train([(TextFeatures.keys(of: "着火"), "critical"), (TextFeatures.keys(of: "咨询"), "low")], smoothing: 0.1),
                                    police: NaiveBayes.train([(TextFeatures.keys(of: "抢劫"), "true"), (TextFeatures.keys(of: "咨询"), "false")], smoothing: 0.1),
                                    trainedOn: "tiny")
        let bytes = model.serialized()
        #expect(try ClassifierModel(serialized: bytes) == model)
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: Array(bytes.dropLast(3))) }
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: Array("NOPE".utf8) + bytes.dropFirst(4)) }
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: bytes + [0]) }
    }
}

/// The shipped model and its figures on text it has not seen. Accuracy targets, not speed: a drop here
/// means a change made the classifier worse.
@Suite("Shipped classifier", .serialized)
struct ShippedClassifierTests {
    static let corpus = TestSupport.root + "/Services/Classification/Corpus"

    @Test func theShippedModelIsWhatTheCorpusTrains() throws {
        let examples = try CorpusExample.load(path: Self.corpus + "/train.jsonl")
        let retrained = ClassifierTrainer.train(examples, source: "train.jsonl").model
        let shipped = try ClassifierModel.load(directory: TestSupport.configDirectory)
        #expect(retrained == shipped, "deploy/config/classifier.model is stale: run `minsheng-classification train`")
    }

    @Test func theHeldApartSplitMeetsTheTargets() throws {
        let classifier = try ClassificationService.makeClassifier(configDirectory: TestSupport.configDirectory).0
        let evaluation = ClassificationEvaluation(classifier: classifier, examples: try CorpusExample.load(path: Self.corpus + "/test.jsonl"))
        #expect(evaluation.examples >= 450)
        #expect(evaluation.categoryMacroF1 >= 0.85)
        #expect(evaluation.criticalRecall >= 0.95)
        #expect(evaluation.policeAccuracy >= 0.95)
    }

    @Test func trainAndTestDoNotShareTexts() throws {
        let train = Set(try CorpusExample.load(path: Self.corpus + "/train.jsonl").map(\.text))
        let test = try CorpusExample.load(path: Self.corpus + "/test.jsonl").map(\.text)
        #expect(test.filter(train.contains).isEmpty)
    }
}
