import Foundation
import Testing
@testable import MinshengClassification

/// The nearest training texts' opinion on critical (`CriticalNeighbours`) and how it is blended with the
/// critical model.
@Suite("Critical neighbours")
struct CriticalNeighboursTests {
    static let texts: [(String, Bool)] = [
        ("楼道里着火了有人被困在上面", true), ("厂房起火了浓烟很大还有人没出来", true), ("河里有人落水了快来救人", true),
        ("楼下停车乱收费还不给票", false), ("超市卖过期食品不给退", false), ("小区路灯坏了好几天没人修", false),
        ("停车场收费太贵了", false), ("路边停车收费员不给发票", false),
    ]

    /// The neighbours over the texts above. With eight texts every n-gram is in more than 5 % of them, so by
    /// default all are looked up here (`commonShare` 1).
    func neighbours(commonShare: Double = 1) -> (FeatureVocabulary, CriticalNeighbours) {
        let features = Self.texts.map { TextFeatures.keys(of: $0.0) }
        let vocabulary = FeatureVocabulary.build(from: features, minimumDocuments: 1)
        let rows = features.map { vocabulary.rows(of: $0) }
        var frequency = [UInt16](repeating: 0, count: vocabulary.count)
        for list in rows { for row in list { frequency[Int(row)] += 1 } }
        return (vocabulary, CriticalNeighbours(vocabulary: vocabulary, exemplars: rows, isCritical: Self.texts.map(\.1),
                                               documentFrequency: frequency, documentCount: Self.texts.count, commonShare: commonShare))
    }

    @Test func nGramsInMostTextsAreNotLookedUp() {
        // At a share of 0.25, only n-grams in at most 2 of the 8 texts are looked up: 停车 (3 texts) is not,
        // so a report that shares only 停车 with the training texts is left at the prior.
        let (vocabulary, neighbours) = neighbours(commonShare: 0.25)
        let prior = 3.0 / 8.0
        #expect(abs(neighbours.margin(rows: vocabulary.rows(of: TextFeatures.keys(of: "停车"))) - log(prior / (1 - prior))) < 1e-9)
        #expect(neighbours.margin(rows: vocabulary.rows(of: TextFeatures.keys(of: "着火被困"))) > log(prior / (1 - prior)))
    }

    @Test func aReportLikeTheCriticalTextsLeansCriticalAndOneLikeTheOthersDoesNot() {
        let (vocabulary, neighbours) = neighbours()
        let prior = 3.0 / 8.0
        let priorLogOdds = log(prior / (1 - prior))
        let fire = neighbours.margin(rows: vocabulary.rows(of: TextFeatures.keys(of: "仓库着火了有人被困")))
        let parking = neighbours.margin(rows: vocabulary.rows(of: TextFeatures.keys(of: "路边停车乱收费")))
        #expect(fire > priorLogOdds)
        #expect(parking < priorLogOdds)
        // A text with nothing in common with any training text falls back to the prior.
        let unknown = neighbours.margin(rows: vocabulary.rows(of: TextFeatures.keys(of: "咨询社保卡补办")))
        #expect(abs(unknown - priorLogOdds) < 1e-9)
    }

    @Test func textsLeftOutAreNotAsked() {
        let (vocabulary, neighbours) = neighbours()
        let rows = vocabulary.rows(of: TextFeatures.keys(of: "楼道里着火了有人被困在上面"))
        let withAll = neighbours.margin(rows: rows)
        let withoutTheCriticalOnes = neighbours.margin(rows: rows) { Self.texts[$0].1 }
        #expect(withAll > 0)
        #expect(withoutTheCriticalOnes < withAll)
        #expect(withoutTheCriticalOnes <= log(3.0 / 5.0))
    }

    @Test func theBlendIsTheModelAloneWithoutAShareAndFollowsTheNeighboursWithOne() {
        var recipe = TrainingRecipe(task: "critical", kind: .logisticRegression, smoothing: 0, l2: 0, epochs: 0, learningRate: 0,
                                    mix: 0, naiveBayesTemperature: 1, logisticTemperature: 1, temperature: 2)
        let scores: [Float] = [0.5, 1.5]
        let alone = CriticalNeighbours.blend(scores: scores, yes: 1, recipe: recipe, neighbourMargin: -3)
        #expect(abs(alone - Double(LinearTextModel.softmax(scores, temperature: 2)[1])) < 1e-6)
        (recipe.neighbourMix, recipe.neighbourTemperature) = (1, 0.5)
        let neighboursOnly = CriticalNeighbours.blend(scores: scores, yes: 1, recipe: recipe, neighbourMargin: -1)
        #expect(abs(neighboursOnly - 1 / (1 + exp(2.0))) < 1e-9)
        recipe.neighbourMix = 0.5
        let half = CriticalNeighbours.blend(scores: scores, yes: 1, recipe: recipe, neighbourMargin: -1)
        #expect(half > neighboursOnly && half < alone)
    }
}
