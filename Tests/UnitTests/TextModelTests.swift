import Foundation
import MinshengModel
import Testing
@testable import MinshengClassification

@Suite("Text features and linear models")
struct TextModelTests {
    @Test func featuresAreOneToThreeGramsOfNormalisedText() {
        let keys = Set(TextFeatures.keys(of: "停车，收费 ＡB"))
        let described = Set(keys.map(TextFeatures.describe))
        #expect(described == ["停", "车", "收", "费", "a", "b", "停车", "车收", "收费", "费a", "ab",
                              "停车收", "车收费", "收费a", "费ab"])
        #expect(Set(TextFeatures.keys(of: "停车收费", longest: 2).map(TextFeatures.describe)) == ["停", "车", "收", "费", "停车", "车收", "收费"])
    }

    @Test func keysOfEachLengthLiveInTheirOwnRange() {
        let keys = TextFeatures.keys(of: "梅湾街停车")
        #expect(keys.filter { TextFeatures.length($0) == 1 }.count == 5)
        #expect(keys.filter { TextFeatures.length($0) == 2 }.count == 4)
        #expect(keys.filter { TextFeatures.length($0) == 3 }.count == 3)
        #expect(TextFeatures.length(ModelInput.contextKey("source:web")) == 0)
        #expect(ModelInput.contextKey("source:police110") & (1 << 63) == 0)
        #expect(ModelInput.contextKey("source:police110") & (1 << 62) != 0)
    }

    @Test func repeatedNgramsCountOnce() {
        #expect(TextFeatures.keys(of: "吵吵吵吵").count == 3)  // 吵, 吵吵, 吵吵吵
    }

    @Test func contextFeaturesAreAdded() {
        let input = ModelInput(text: "停车", source: .police110, requestType: .consult)
        #expect(input.features.count == TextFeatures.keys(of: "停车").count + 2)
    }

    static let tiny: [(String, String)] = [
        ("老板拖欠工资不给", "labor"), ("工地欠薪三个月", "labor"), ("讨要工资被拒", "labor"), ("公司拖欠工资半年", "labor"),
        ("楼下停车乱收费", "market"), ("超市卖过期食品", "market"), ("商家不给退款", "market"), ("超市食品过期了", "market"),
    ]

    func tinyData() -> (FeatureVocabulary, TrainingData, [Int]) {
        let features = Self.tiny.map { TextFeatures.keys(of: $0.0) }
        let vocabulary = FeatureVocabulary.build(from: features, minimumDocuments: 1)
        let data = TrainingData(rows: features.map { vocabulary.rows(of: $0) }, vocabularySize: vocabulary.count)
        return (vocabulary, data, Self.tiny.map { $0.1 == "labor" ? 0 : 1 })
    }

    @Test func naiveBayesAndLogisticRegressionLearnTheTinySet() {
        let (vocabulary, data, labels) = tinyData()
        let bayes = NaiveBayesTrainer.train(data, labels: labels, classes: ["labor", "market"], smoothing: 0.1)
        let logistic = LogisticRegressionTrainer.train(data, labels: labels, classes: ["labor", "market"],
                                                       parameters: .init(l2: 1e-4, epochs: 30, learningRate: 0.5))
        for model in [bayes, logistic, bayes.blended(0.5, with: logistic, 0.5)] {
            let wages = model.predict(vocabulary.rows(of: TextFeatures.keys(of: "公司拖欠工资")))
            #expect(wages.label == "labor")
            #expect(wages.probabilities.reduce(0, +) > 0.999)
            #expect(model.predict(vocabulary.rows(of: TextFeatures.keys(of: "食品过期了"))).label == "market")
        }
        let top = logistic.predict(vocabulary.rows(of: TextFeatures.keys(of: "公司拖欠工资"))).topRows(3)
            .map { TextFeatures.describe(vocabulary.keys[Int($0)]) }
        #expect(top.allSatisfy { "公司拖欠工资".contains($0) })
    }

    @Test func trainingIsDeterministic() {
        let (_, data, labels) = tinyData()
        let parameters = LogisticRegressionTrainer.Parameters(l2: 1e-4, epochs: 10, learningRate: 0.3)
        #expect(LogisticRegressionTrainer.train(data, labels: labels, classes: ["a", "b"], parameters: parameters)
                == LogisticRegressionTrainer.train(data, labels: labels, classes: ["a", "b"], parameters: parameters))
    }

    @Test func aHigherTemperatureIsLessSure() {
        let (vocabulary, data, labels) = tinyData()
        var model = NaiveBayesTrainer.train(data, labels: labels, classes: ["labor", "market"], smoothing: 0.1)
        let rows = vocabulary.rows(of: TextFeatures.keys(of: "拖欠工资"))
        let sure = model.predict(rows).confidence
        model.temperature = 8
        #expect(model.predict(rows).confidence < sure)
        #expect(model.predict(rows).confidence > 0.5)
    }

    @Test func theModelFileRoundTripsAndRejectsDamage() throws {
        let (vocabulary, data, labels) = tinyData()
        let bayes = NaiveBayesTrainer.train(data, labels: labels, classes: ["labor", "market"], smoothing: 0.1)
        let yesNo = NaiveBayesTrainer.train(data, labels: labels, classes: ["false", "true"], smoothing: 0.1)
        let levels = NaiveBayesTrainer.train(data, labels: labels, classes: ["critical", "low"], smoothing: 0.1)
        let recipe = TrainingRecipe(task: "category", kind: .naiveBayes, smoothing: 0.1, l2: 0, epochs: 0, learningRate: 0, mix: 1,
                                    naiveBayesTemperature: 1, logisticTemperature: 1, temperature: 1)
        let model = ClassifierModel(
            vocabulary: vocabulary, category: bayes, level: levels, police: yesNo, critical: yesNo,
            documentFrequency: [UInt16](repeating: 1, count: vocabulary.count), topicWeight: [UInt8](repeating: 9, count: vocabulary.count),
            documentCount: Self.tiny.count, exemplars: [[0, 1], [2]], exemplarCritical: [true, false], recipes: [recipe], trainedOn: "tiny")
        let bytes = model.serialized()
        #expect(try ClassifierModel(serialized: bytes) == model)
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: Array(bytes.dropLast(3))) }
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: Array("NOPE".utf8) + bytes.dropFirst(4)) }
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: bytes + [0]) }
        var version3 = bytes
        version3[4] = 3
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: version3) }
        var badFlag = bytes
        badFlag[badFlag.count - 2] = 2  // the last critical flag, before the problem-type flag
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: badFlag) }
        // A version 4 file (no problem types) still reads.
        var version4 = Array(bytes.dropLast(1))
        version4[4] = 4
        #expect(try ClassifierModel(serialized: version4) == model)

        // With a problem-type model: it round-trips, counts in the fingerprint, and its entries must be in range.
        var typed = model
        typed.problemTypeModel = ProblemTypeModel(types: ["manhole", "parking-charge"], bias: [0, 0.5],
                                                  denseWeights: [Float](repeating: 0.01, count: vocabulary.count * 2)
                                                      .enumerated().map { $0.offset == 1 ? 2 : $0.element }, threshold: 0.05)
        typed.problemTypeSource = 42
        #expect(typed.problemTypeModel?.entryTypes == [1])
        let typedBytes = typed.serialized()
        #expect(try ClassifierModel(serialized: typedBytes) == typed)
        #expect(typed.fingerprint != model.fingerprint)
        var outOfRange = typedBytes
        outOfRange[outOfRange.count - 6] = 2  // the one entry's type, little-endian: 2 of 2 types
        #expect(throws: ModelFileError.self) { try ClassifierModel(serialized: outOfRange) }
    }
}

/// The shipped model and its figures on text it has not seen. Accuracy targets, not speed: a drop here
/// means a change made the classifier worse.
@Suite("Shipped classifier", .serialized)
struct ShippedClassifierTests {
    static let corpus = TestSupport.root + "/Services/Classification/Corpus"

    /// Refits with the recipes recorded in the shipped file (the comparison by cross-validation that chose
    /// them runs in `minsheng-classification train`): the weights must come out identical.
    @Test func theShippedModelIsWhatTheCorpusTrains() throws {
        let examples = try CorpusExample.load(path: Self.corpus + "/train.jsonl")
        let shipped = try ClassifierModel.load(directory: TestSupport.configDirectory)
        let gazetteer = Gazetteer(region: try TestSupport.region())
        var refitted = ClassifierTrainer.fit(examples, recipes: shipped.recipes, source: "train.jsonl", withoutPlaceNames: gazetteer.withoutPlaceNames)
        // The problem-type model takes minutes to train in a debug build: what it was trained from must be
        // what the corpus holds now (its training is checked on a small set in ProblemTypeLabelsTests).
        let labels = try ProblemTypeLabels.load(corpusDirectory: Self.corpus)
        #expect(shipped.problemTypeSource == ProblemTypeTrainer.source(labels, vocabulary: refitted.vocabulary, examples: examples,
                                                                        withoutPlaceNames: gazetteer.withoutPlaceNames),
                "the problem-type model is stale: run `minsheng-classification train --refit`")
        refitted.problemTypeModel = shipped.problemTypeModel
        refitted.problemTypeSource = shipped.problemTypeSource
        #expect(refitted == shipped, "deploy/config/classifier.model is stale: run `minsheng-classification train`")
    }

    @Test func theHeldApartSplitMeetsTheTargets() throws {
        let classifier = try ClassificationService.makeClassifier(configDirectory: TestSupport.configDirectory).0
        let evaluation = ClassificationEvaluation(classifier: classifier, examples: try CorpusExample.load(path: Self.corpus + "/test.jsonl"))
        #expect(evaluation.examples >= 1000)
        #expect(evaluation.categoryMacroF1 >= 0.90)
        #expect(evaluation.criticalRecall >= 0.98)
        // Issue 12's target: precision 0.70 at recall 0.98. Reached since the sixth session with the nearest
        // training texts' opinion blended into the critical model (0.711; 0.671 without it).
        #expect(evaluation.criticalPrecision >= 0.70, "critical precision \(evaluation.criticalPrecision)")
        #expect(evaluation.policeAccuracy >= 0.97)
    }

    /// Repeats and hotspots on one of the corpus's cluster sets (`clusters/<name>.jsonl`) with the shipped settings.
    static func clusterFigures(_ name: String) throws -> ClusterEvaluation {
        try clusterFigures(of: clusterReports(name))
    }

    /// The reports of one of the corpus's cluster sets.
    static func clusterReports(_ name: String) throws -> [ClusterReport] {
        try ClusterReport.load(path: corpus + "/clusters/\(name).jsonl")
    }

    /// Repeats and hotspots on these reports with the shipped settings, fed in the order `arrival` gives.
    static func clusterFigures(of reports: [ClusterReport], arrival: SignedClusterSet.Arrival = .asOccurred) throws -> ClusterEvaluation {
        try ClusterEvaluation(parts: ClassificationHarness.parts, reports: reports, compareWithFullScan: false, arrival: arrival)
    }

    /// Floors at what the shipped settings reach on a cluster set: pairwise F1, clusters linked whole, raised
    /// whole and raised together (every report in one hotspot, whatever else joined).
    static func expectFloors(_ evaluation: ClusterEvaluation, pairF1: Double, linked: Int, raised: Int, together: Int,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(evaluation.pairF1 >= pairF1, "pairwise F1 \(evaluation.pairF1)", sourceLocation: sourceLocation)
        #expect(evaluation.clustersLinked >= linked, "\(evaluation.clustersLinked) of \(evaluation.clusters) linked whole",
                sourceLocation: sourceLocation)
        #expect(evaluation.clustersRaised >= raised, "\(evaluation.clustersRaised) of \(evaluation.raisable) raised whole",
                sourceLocation: sourceLocation)
        #expect(evaluation.clustersRaisedTogether >= together,
                "\(evaluation.clustersRaisedTogether) of \(evaluation.raisable) raised together", sourceLocation: sourceLocation)
    }

    /// Repeats and hotspots on the held-apart cluster set (the parameters were chosen on the tuning set).
    @Test func theHeldApartClusterSetMeetsTheTarget() throws {
        let evaluation = try Self.clusterFigures("test")
        #expect(evaluation.clusters >= 20)
        #expect(evaluation.pairF1 >= 0.85)
        // Issue 12: every report of a planted cluster linked and raised as one hotspot. Reached with the
        // shipped settings (chosen on the two tuning sets pooled, every pair compared; problem types since
        // the ninth session): all 24 linked whole and all 24 raised together (every report in one hotspot),
        // pairwise F1 0.938 (docs/classification.md, "Problem types"). Stricter, raised whole (a hotspot
        // holding its cluster and nothing else): 20 of 24. Before the types: 23 linked, 22 raised whole, F1
        // 0.958. The types link t09 whole and let two distractors the model types like their cluster into
        // hotspots (t01, t07): the floors were lowered to 0.93 and 20 raised whole for that trade, on
        // purpose, as the other three sets gain (external: 14 raised whole against 9). Floors guard what is
        // reached; "raised whole" for all is a known issue, which fails as soon as it is met.
        Self.expectFloors(evaluation, pairF1: 0.93, linked: 24, raised: 20, together: 24)
        #expect(evaluation.clustersLinked == evaluation.clusters, "\(evaluation.clustersLinked) of \(evaluation.clusters) linked whole")
        #expect(evaluation.clustersRaisedTogether == evaluation.raisable,
                "\(evaluation.clustersRaisedTogether) of \(evaluation.raisable) raised together")
        withKnownIssue("issue 12: not every planted cluster is raised whole (without a distractor)") {
            #expect(evaluation.clustersRaised == evaluation.raisable, "\(evaluation.clustersRaised) of \(evaluation.raisable) raised whole")
        }
    }

    /// The held-apart set replayed in other orders than the one its reports occurred in, as a source system
    /// catching up or a test sending one channel's file after another would (`evaluate --arrival`): the
    /// detector clusters in one pass, so the order moves the figures (docs/classification.md, "The order
    /// reports arrive in"), but pairwise F1 stays above the target and every cluster is raised together.
    /// Measured: F1 0.944–0.961, 22–24 linked whole, 24 raised together.
    @Test(arguments: ["source", "reversed", "shuffled:1", "shuffled:2", "shuffled:3"])
    func theHeldApartClusterSetMeetsTheTargetInAnyArrivalOrder(arrival: String) throws {
        let order = try #require(SignedClusterSet.Arrival(arrival))
        let evaluation = try Self.clusterFigures(of: Self.clusterReports("test"), arrival: order)
        #expect(evaluation.pairF1 >= 0.85, "pairwise F1 \(evaluation.pairF1)")
        #expect(evaluation.clustersLinked >= 22, "\(evaluation.clustersLinked) of \(evaluation.clusters) linked whole")
        #expect(evaluation.clustersRaisedTogether == evaluation.raisable,
                "\(evaluation.clustersRaisedTogether) of \(evaluation.raisable) raised together")
    }

    /// The second tuning set (written apart, fifth session) with the shipped settings, which were chosen on it
    /// and the first pooled: a floor at what is reached, so that a change to the similarity or the detector
    /// that loses ground on reports in other people's words shows (docs/classification.md, "A second tuning
    /// set"). Before the fifth session's settings: F1 0.712, 14 linked, 9 raised; with them 0.775, 19, 13;
    /// with the sixth session's 0.787, 20, 14; with hotspot support (seventh) 0.787, 20, 15; with problem
    /// types (ninth) 0.822, 22, 16, and 24 raised together (tenth session's count). With the 72-hour hotspot
    /// window (tenth session) 15 raised whole: u11's hotspot takes in a distractor reported more than a day
    /// before it, on purpose, for the time test below.
    @Test func theSecondTuningSetKeepsWhatTheShippedSettingsReach() throws {
        let evaluation = try Self.clusterFigures("tune2")
        #expect(evaluation.clusters == 30)
        Self.expectFloors(evaluation, pairF1: 0.82, linked: 22, raised: 15, together: 24)
    }

    /// One problem reported over two or three days is still one hotspot: the tuning set with the time between
    /// its reports doubled and tripled (its clusters then span up to 50 and 75 hours) keeps every figure it
    /// has as written. With the 24-hour hotspot window shipped until the tenth session, doubling the time
    /// raised 16 of 39 clusters whole instead of 34 (docs/classification.md, "The hotspot window").
    @Test(arguments: [2.0, 3.0])
    func aProblemReportedOverDaysIsStillRaised(stretch: Double) throws {
        let reports = try Self.clusterReports("tune")
        let start = try #require(reports.map(\.occurredAt).min())
        let stretched = reports.map { report in
            var report = report
            report.occurredAt = start.addingTimeInterval(report.occurredAt.timeIntervalSince(start) * stretch)
            return report
        }
        let asWritten = try Self.clusterFigures(of: reports)
        let evaluation = try Self.clusterFigures(of: stretched)
        #expect(evaluation.clustersLinked >= asWritten.clustersLinked, "\(evaluation.clustersLinked) linked whole")
        #expect(evaluation.clustersRaised >= asWritten.clustersRaised, "\(evaluation.clustersRaised) raised whole")
        #expect(evaluation.clustersRaisedTogether >= asWritten.clustersRaisedTogether,
                "\(evaluation.clustersRaisedTogether) raised together")
        #expect(evaluation.pairF1 >= asWritten.pairF1 - 0.001, "pairwise F1 \(evaluation.pairF1)")
    }

    /// The external cluster set (30 clusters written in a third hand, never used for choosing; sixth session):
    /// a floor at what the shipped settings reach, so that a change that fits the tuning sets at the cost of
    /// other people's reports shows. With the fifth session's model and settings: F1 0.716, 13 linked, 7
    /// raised (docs/classification.md, "An external cluster set"); with the sixth session's 0.770, 15, 10.
    /// Hotspot support (seventh session) costs it one cluster raised whole (x08, already two matters: a
    /// report of its smaller matter is left out of the hotspot), while it gains one on each tuning set and on
    /// the held-apart set and leaves out 6 other hotspots over the four sets ("Hotspot support"): the floor
    /// was lowered to 9 for that trade, on purpose. With problem types (ninth session): 0.846, 19, 14, and 19 raised
    /// together (tenth session's count).
    @Test func theExternalClusterSetKeepsWhatTheShippedSettingsReach() throws {
        let evaluation = try Self.clusterFigures("external")
        #expect(evaluation.clusters == 30)
        Self.expectFloors(evaluation, pairF1: 0.84, linked: 19, raised: 14, together: 19)
    }

    /// The external check set (300 reports written apart by someone who never saw the corpus; it chooses
    /// nothing, Corpus/README.md): floors at what the shipped model reaches, so that a change that learns
    /// the corpus's own hand at the cost of other people's shows. Before the sixth session's 900 training
    /// texts: category macro-F1 0.963, critical recall 0.970 (32 of 33) at precision 0.640, police 0.983; with
    /// them, before the nearest training texts' opinion on critical: critical precision 0.660.
    @Test func theExternalCheckSetKeepsWhatTheShippedModelReaches() throws {
        let classifier = try ClassificationService.makeClassifier(configDirectory: TestSupport.configDirectory).0
        let evaluation = ClassificationEvaluation(classifier: classifier, examples: try CorpusExample.load(path: Self.corpus + "/external/external.jsonl"))
        #expect(evaluation.examples == 300)
        #expect(evaluation.categoryMacroF1 >= 0.965, "category macro-F1 \(evaluation.categoryMacroF1)")
        #expect(evaluation.criticalRecall >= 0.98, "critical recall \(evaluation.criticalRecall)")
        #expect(evaluation.criticalPrecision >= 0.70, "critical precision \(evaluation.criticalPrecision)")
        #expect(evaluation.policeAccuracy >= 0.99, "police accuracy \(evaluation.policeAccuracy)")
    }

    @Test func trainingSharesNoTextWithTheHeldApartOrExternalSets() throws {
        let train = Set(try CorpusExample.load(path: Self.corpus + "/train.jsonl").map(\.text))
        let test = try CorpusExample.load(path: Self.corpus + "/test.jsonl").map(\.text)
        let external = try CorpusExample.load(path: Self.corpus + "/external/external.jsonl").map(\.text)
        #expect(test.filter(train.contains).isEmpty)
        #expect(external.filter(train.contains).isEmpty)
    }
}
