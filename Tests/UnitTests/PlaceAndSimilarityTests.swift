import Foundation
import GRDB
import MinshengModel
import MinshengPlatform
import Testing
@testable import MinshengClassification

@Suite("Region map")
struct RegionMapTests {
    static let square: [(lon: Double, lat: Double)] = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    static let hole: [(lon: Double, lat: Double)] = [(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)]

    @Test func pointInPolygonWithHoles() {
        #expect(RegionMap.contains([Self.square], GeoPoint(lat: 5, lon: 5)))
        #expect(!RegionMap.contains([Self.square, Self.hole], GeoPoint(lat: 5, lon: 5)))
        #expect(RegionMap.contains([Self.square, Self.hole], GeoPoint(lat: 2, lon: 2)))
        #expect(!RegionMap.contains([Self.square], GeoPoint(lat: 11, lon: 5)))
    }

    @Test func theMostSpecificAreaWins() {
        let map = RegionMap(areas: [
            .init(town: "T", village: nil, grid: nil, rings: [Self.square], bounds: (0, 10, 0, 10)),
            .init(town: "T", village: "V", grid: "G", rings: [Self.hole], bounds: (4, 6, 4, 6)),
        ])
        #expect(map.place(of: GeoPoint(lat: 5, lon: 5))?.grid == "G")
        #expect(map.place(of: GeoPoint(lat: 1, lon: 1)) == Place(town: "T", basis: .coordinates))
        #expect(map.place(of: GeoPoint(lat: 20, lon: 20)) == nil)
    }

    @Test func theShippedMapCoversEveryTown() throws {
        let region = try TestSupport.region()
        let map = try RegionMap.load(directory: TestSupport.configDirectory, region: region)
        #expect(Set(map.areas.map(\.town)) == Set(region.towns.map(\.name)))
        #expect(map.place(of: GeoPoint(lat: 31.5, lon: 121.0)) == nil)
    }
}

@Suite("Report similarity and themes")
struct SimilarityTests {
    let maker = ClassificationHarness.parts.signatures
    let classifier = ClassificationHarness.parts.classifier
    let similarity = ReportSimilarity(ClassificationHarness.parts.settings.similarity)

    /// The report's signature as the service makes it, by the shipped signature maker or another.
    func signature(_ text: String, source: Source = .hotline12345, by maker: SignatureMaker? = nil) -> ReportSignature {
        let event = TestSupport.accepted(text, source: source)
        let decision = classifier.classify(event)
        return (maker ?? self.maker).signature(text: text, address: nil, village: decision.place?.village,
                                               categoryProbabilities: decision.categoryProbabilities)
    }

    @Test func oneProblemInOtherWordsScoresAboveTheThresholdAndAnotherProblemAtThePlaceBelow() {
        let hotline = signature("市民反映三港路路边停车半小时收10元，收费的人只让扫个人收款码，不给小票")
        let web = signature("三港路停个车被收了10块😡 收款码是个人的，要票说没有", source: .web)
        let lights = signature("三港路有一段路灯全都不亮了，晚上黑漆漆的")
        let threshold = ClassificationHarness.parts.settings.duplicates.minSimilarity
        #expect(similarity.score(hotline, web) >= threshold)
        #expect(similarity.score(hotline, lights) < threshold)
        #expect(similarity.score(hotline, web) == similarity.score(web, hotline))
        #expect(hotline.textSimilarity(to: hotline) > 0.99)
    }

    @Test func hotlineBoilerplateAndPlaceNamesWeighLittle() {
        let weights = Dictionary(maker.describe("市民来电反映三港路停车收费").map { ($0.term, $0.weight) }, uniquingKeysWith: max)
        #expect(weights["三港"] == nil)  // place names are compared on their own
        #expect((weights["来电"] ?? 0) < (weights["停车"] ?? 0))
        #expect((weights["反映"] ?? 0) < (weights["收费"] ?? 0))
    }

    @Test func placesAgreeOrDisagree() {
        let a = signature("三港路停车乱收费")
        let b = signature("三港路路灯不亮")
        let c = signature("胜利路停车乱收费")
        let nowhere = signature("路边停车乱收费")
        #expect(a.placeAgreement(with: b) == 1)
        #expect(a.placeAgreement(with: c) == -1)
        #expect(a.placeAgreement(with: nowhere) == 0)
    }

    @Test func signaturesSurviveStorage() throws {
        let a = signature("三港路梅湾街停车乱收费，不给小票")
        #expect(try ReportSignature(bytes: a.bytes) == a)
        #expect(throws: ModelFileError.self) { try ReportSignature(bytes: Array(a.bytes.dropLast())) }
        #expect(!a.neighbours.isEmpty)
        #expect(a.terms == a.terms.sorted())
    }

    @Test func problemConceptsJoinAnEffectToItsCauseAndKeepOtherProblemsApart() throws {
        let outage = signature("整个小区从早上开始停水，家里一滴水都没有")
        let burst = signature("路口的水管爆了，水往外涌，路上都是水")
        let bleach = signature("小区的自来水有一股漂白粉味，烧开了也有")
        let dancing = signature("小区门口每天晚上有人跳广场舞，音响开得很大")
        #expect(!outage.concepts.isEmpty && !burst.concepts.isEmpty)
        #expect(outage.conceptAgreement(with: burst) == 1)
        #expect(outage.conceptAgreement(with: bleach) == -1)
        #expect(outage.conceptAgreement(with: dancing) == -1)
        #expect(outage.conceptAgreement(with: signature("来电人咨询社保怎么缴纳")) == 0)
        // A place name lends no concept (桥 of 赵家桥村 is not a bridge).
        let bridge = try #require(ProblemConcepts.table.firstIndex { $0.concept == "bridge" })
        #expect(!signature("赵家桥村的路灯不亮").concepts.contains(UInt8(bridge)))
        #expect(signature("村口那座桥裂开了").concepts.contains(UInt8(bridge)))
        // Stored and read back, concepts included; a signature of the first version reads with none.
        #expect(try ReportSignature(bytes: outage.bytes).concepts == outage.concepts)
        var second = outage.bytes
        second[0] = 2
        second.removeLast(outage.problemTypes.count * 3 + 1)
        #expect(try ReportSignature(bytes: second).concepts == outage.concepts)
        #expect(try ReportSignature(bytes: second).problemTypes.isEmpty)
        var first = second
        first[0] = 1
        first.removeLast(outage.concepts.count + 1)
        #expect(try ReportSignature(bytes: first).concepts.isEmpty)
    }

    /// The problem-type model (trained on the labelled training texts) gives a report told by its effect
    /// the type of its cause, where the words and the concept table do not meet: a missing manhole cover
    /// and a fall into the hole it left. Another problem at the place gets another type. Similarity uses
    /// the types with a problem-type weight (shipped since the ninth session: docs/classification.md,
    /// "Problem types"); with weight 0 signatures do not hold them.
    @Test func problemTypesJoinAnEffectToItsCauseInOtherWords() throws {
        let shipped = ClassificationHarness.parts
        let types = try #require(shipped.classifier.model.problemTypeModel)
        let withTypes = Self.withProblemTypes
        let maker = SignatureMaker(model: shipped.classifier.model, gazetteer: shipped.signatures.gazetteer, parameters: withTypes)
        func typed(_ text: String, source: Source = .hotline12345) -> ReportSignature { signature(text, source: source, by: maker) }
        func likeliest(_ signature: ReportSignature) -> String? {
            signature.problemTypes.max { $0.weight < $1.weight }.map { types.types[Int($0.index)] }
        }
        let cover = typed("胜利路农贸市场门口的窨井盖不见了，井口敞着")
        let fall = typed("胜利路菜场门口有个洞没盖子，我妈晚上差点一脚踩进去😱", source: .web)
        let lights = typed("胜利路菜场门口的路灯坏了一个多礼拜，晚上黑乎乎的")
        #expect(likeliest(cover) == "manhole")
        #expect(likeliest(fall) == "manhole")
        #expect(likeliest(lights) == "street-light")
        #expect(try #require(cover.problemTypeAgreement(with: fall)) > 0.8)
        #expect(try #require(cover.problemTypeAgreement(with: lights)) < 0.2)
        // The weight raises the pair's score and leaves the other problem's below the threshold.
        let threshold = shipped.settings.duplicates.minSimilarity
        #expect(ReportSimilarity(withTypes).score(cover, fall) > 2 * ReportSimilarity(Self.withoutProblemTypes).score(cover, fall))
        #expect(ReportSimilarity(withTypes).score(cover, lights) < threshold)
        // Without a problem-type weight signatures hold no types (they cost about 40 µs a report).
        let plain = SignatureMaker(model: shipped.classifier.model, gazetteer: shipped.signatures.gazetteer, parameters: Self.withoutProblemTypes)
        #expect(signature("胜利路农贸市场门口的窨井盖不见了", by: plain).problemTypes.isEmpty)
        #expect(!signature("胜利路农贸市场门口的窨井盖不见了").problemTypes.isEmpty)
    }

    /// A word that names several problems names no concept: a construction site's lorries and a
    /// neighbour's drill, a blocked drain and a river of dead fish are other problems, not one.
    @Test func problemConceptsAreNarrowerThanTheirWords() throws {
        func concepts(_ text: String) -> Set<String> { Set(signature(text).concepts.map { ProblemConcepts.table[Int($0)].concept }) }
        #expect(concepts("工地半夜还在打桩，吵得睡不着").contains("night-construction"))
        #expect(!concepts("工地的大货车进出把路上弄得全是泥").contains("night-construction"))
        #expect(concepts("楼上邻居装修，天天用电钻打墙") == ["renovation-noise"])
        let drain = concepts("小区门口的下水道堵了，污水漫到路上")
        #expect(drain.contains("drain-blocked"))
        #expect(concepts("河里漂着很多死鱼，水发臭") == ["water-pollution"])
        #expect(!drain.contains("water-pollution"))
        #expect(signature("工地的渣土车进出把路上弄得全是泥").conceptAgreement(with: signature("楼上邻居装修，天天用电钻打墙")) == -1)
    }

    /// Two 12345 summaries of unrelated problems at one village share the operator's template, the
    /// village and the channel, and nothing else: with the shipped settings they stay below the repeat
    /// threshold, so which matter a later report joins does not depend on which came first.
    /// With the problem types and without them, at the shipped threshold: the type model may call the
    /// blocked drain's sewage water pollution, like the river of dead fish, and the bound keeps a wrong type
    /// from linking them.
    @Test(arguments: [false, true]) func aSharedTemplateAndVillageDoNotMakeTwoProblemsOne(problemTypes: Bool) {
        let shipped = ClassificationHarness.parts
        let threshold = shipped.settings.duplicates.minSimilarity
        let parameters = problemTypes ? Self.withProblemTypes : Self.withoutProblemTypes
        let maker = SignatureMaker(model: shipped.classifier.model, gazetteer: shipped.signatures.gazetteer, parameters: parameters)
        let texts = ["市民来电反映钟埭街道沈家弄村工地的大货车进出把村道压坏了", "市民来电反映钟埭街道沈家弄村楼上装修，每天中午用电钻打墙",
                     "市民来电反映钟埭街道沈家弄村村口的下水道堵了，污水外溢", "市民来电反映钟埭街道沈家弄村河里漂着死鱼",
                     "市民来电反映钟埭街道沈家弄村村道上的路灯坏了一半"]
        let signatures = texts.map { signature($0, by: maker) }
        #expect(signatures.allSatisfy { $0.problemTypes.isEmpty != problemTypes })
        for i in signatures.indices {
            for j in signatures.indices where j > i {
                #expect(ReportSimilarity(parameters).score(signatures[i], signatures[j]) < threshold, "\(texts[i]) / \(texts[j])")
            }
        }
    }

    /// The problem types add at most `problemTypeBound` times what the words give: nothing to two reports
    /// with no word and no neighbour in common, however alike their types.
    @Test func problemTypesAddAtMostTheirBoundTimesTheWords() {
        var parameters = Self.withProblemTypes
        parameters.problemTypeBound = 3
        let similarity = ReportSimilarity(parameters)
        let types: [(index: UInt16, weight: UInt8)] = [(7, 255)]
        let category: [(index: UInt8, probability: UInt8)] = [(2, 255)]
        func report(_ terms: [UInt32], _ weights: [UInt8]) -> ReportSignature {
            ReportSignature(terms: terms, weights: weights, places: [], categories: category, problemTypes: types)
        }
        let a = report([1, 2, 3], [200, 100, 10]), apart = report([4, 5], [200, 100]), near = report([3, 6], [10, 200])
        #expect(a.problemTypeAgreement(with: apart) == 1)
        #expect(similarity.score(a, apart) == 0)
        let words = a.textSimilarity(to: near)
        #expect(words > 0)
        // Place unknown (× 1), one category (× 1), no concepts: words plus the bounded type part.
        #expect(abs(similarity.score(a, near) - 4 * words) < 1e-9)
        parameters.problemTypeBound = 100_000
        #expect(abs(ReportSimilarity(parameters).score(a, near) - (words + parameters.problemTypeWeight)) < 1e-9)
        // A weight without a bound is refused with a message that names the bound.
        var settings = ClassificationHarness.parts.settings
        settings.similarity.problemTypeWeight = 4
        settings.similarity.problemTypeBound = 0
        #expect(settings.problems() == ["similarity.problemTypeBound must be > 0 when similarity.problemTypeWeight is (it bounds what the types add)"])
    }

    /// The shipped similarity, which uses the problem types (weight 2, bound 3 since the ninth session;
    /// docs/classification.md, "Problem types").
    static var withProblemTypes: ClassificationSettings.Similarity {
        let similarity = ClassificationHarness.parts.settings.similarity
        precondition(similarity.problemTypeWeight > 0, "the shipped similarity no longer uses problem types: give these tests a setting that does")
        return similarity
    }

    /// The shipped similarity without the problem types.
    static var withoutProblemTypes: ClassificationSettings.Similarity {
        var similarity = ClassificationHarness.parts.settings.similarity
        similarity.problemTypeWeight = 0
        return similarity
    }

    @Test func themeIsWhatMostReportsShare() {
        let theme = ThemeFinder.theme(of: [
            "梅湾街停车半小时收10元，没有小票", "市民来电反映梅湾街停车乱收费，不给小票", "梅湾街停车场收费没小票，太黑了",
        ])
        #expect(theme.contains("梅湾街停车") || theme.contains("梅湾街"))
        #expect(theme.contains { $0.contains("小票") })
        #expect(theme.count <= 3)
    }

    /// The theme counts phrases as packed integers; the same phrases come out as when every substring is
    /// counted as a string (the reference below), on every cluster of the held-apart cluster set.
    @Test func themeCountedAsIntegersEqualsThemeCountedAsStrings() throws {
        let reports = try ClusterReport.load(path: TestSupport.root + "/Services/Classification/Corpus/clusters/test.jsonl")
        let clusters = Dictionary(grouping: reports.filter { $0.cluster != nil }, by: { $0.cluster! }).values.map { $0.map(\.text) }
        #expect(clusters.count >= 10)
        for texts in clusters + [reports.prefix(10).map(\.text)] {
            let expected = Self.referenceTheme(of: Array(texts.prefix(10)))
            #expect(ThemeFinder.theme(of: Array(texts.prefix(10))) == expected)
        }
    }

    /// The theme as first written: every substring a `String`, the rest the same as `ThemeFinder.theme`.
    static func referenceTheme(of texts: [String]) -> [String] {
        guard texts.count >= 2 else { return [] }
        let normalised = texts.map { TextFeatures.normalisedScalars($0).compactMap(Unicode.Scalar.init).map(Character.init) }
        let needed = max(2, Int((Double(texts.count) * 0.6).rounded(.up)))
        let generic = ThemeFinder.genericBigrams
        func isGeneric(_ phrase: String) -> Bool {
            let scalars = Array(phrase.unicodeScalars.map(\.value))
            if scalars.allSatisfy({ $0 < 0x80 }) { return true }
            return (0..<(scalars.count - 1)).allSatisfy { generic.contains(TextFeatures.bigram(scalars[$0], scalars[$0 + 1])) }
        }
        func overlaps(_ a: String, _ b: String) -> Bool {
            let a = Array(a), b = Array(b)
            return (1..<min(a.count, b.count)).contains { k in Array(a.suffix(k)) == Array(b.prefix(k)) || Array(b.suffix(k)) == Array(a.prefix(k)) }
        }
        var chosen: [String] = []
        for length in stride(from: 5, through: 2, by: -1) {
            var documents: [String: Int] = [:]
            for characters in normalised where characters.count >= length {
                let seen = Set((0...(characters.count - length)).map { String(characters[$0..<$0 + length]) })
                for phrase in seen { documents[phrase, default: 0] += 1 }
            }
            let candidates = documents.filter { $0.value >= needed && !isGeneric($0.key) }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            for (phrase, _) in candidates where !chosen.contains(where: { $0.contains(phrase) || phrase.contains($0) }) {
                if chosen.contains(where: { overlaps($0, phrase) }) { continue }
                chosen.append(phrase)
                if chosen.count == 3 { return chosen }
            }
        }
        return chosen
    }
}

@Suite("Candidate index")
struct CandidateIndexTests {
    func signature(_ terms: [UInt32]) -> ReportSignature {
        ReportSignature(terms: terms.sorted(), weights: terms.map { _ in 100 }, places: [], categories: [])
    }

    @Test func findsReportsSharingATermAndForgetsWhatIsEvictedOrRemoved() {
        let index = CandidateIndex(retention: 3600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        index.insert(town: "T", eventId: "a", occurredAt: start, receivedAt: start, signature: signature([1, 2]))
        index.insert(town: "T", eventId: "b", occurredAt: start, receivedAt: start.addingTimeInterval(1800), signature: signature([2, 3]))
        index.insert(town: "U", eventId: "c", occurredAt: start, receivedAt: start, signature: signature([2]))
        #expect(Set(index.candidates(town: "T", signature: signature([2])).map(\.eventId)) == ["a", "b"])
        #expect(index.candidates(town: "T", signature: signature([9])).isEmpty)
        index.remove(town: "T", eventId: "b")
        #expect(index.candidates(town: "T", signature: signature([2, 3])).map(\.eventId) == ["a"])
        index.evictIfDue(now: start.addingTimeInterval(3700))
        #expect(index.candidates(town: "T", signature: signature([1, 2])).isEmpty)
        #expect(index.count == 0)
    }

    @Test func insertingAnEventAgainReplacesIt() {
        let index = CandidateIndex(retention: 3600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        index.insert(town: "T", eventId: "a", occurredAt: start, receivedAt: start, signature: signature([1]))
        index.insert(town: "T", eventId: "a", occurredAt: start, receivedAt: start, signature: signature([2]))
        #expect(index.candidates(town: "T", signature: signature([1])).isEmpty)
        #expect(index.candidates(town: "T", signature: signature([2])).map(\.eventId) == ["a"])
        #expect(index.count == 1)
    }

    /// Many reports share a common term: only the newest postings of it are read.
    @Test func readsAtMostThePostingsPerTermOfACommonTerm() {
        let index = CandidateIndex(retention: 1e9, parameters: .init(postedTerms: 4, queryTerms: 4, postingsPerTerm: 10))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for n in 0..<1000 {
            index.insert(town: "T", eventId: "e\(n)", occurredAt: start, receivedAt: start.addingTimeInterval(Double(n)),
                         signature: signature([7, UInt32(100 + n)]))
        }
        let found = index.candidates(town: "T", signature: signature([7]))
        #expect(found.count == 10)
        #expect(Set(found.map(\.eventId)) == Set((990..<1000).map { "e\($0)" }))
        #expect(index.candidates(town: "T", signature: signature([7, 105])).contains { $0.eventId == "e5" })
    }
}
