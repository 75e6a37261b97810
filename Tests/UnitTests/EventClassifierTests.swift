import Foundation
import MinshengModel
import Testing
@testable import MinshengClassification

/// The classifier as the service runs it: the shipped model, the rules on top, the place.
@Suite("Event classifier")
struct EventClassifierTests {
    let classifier: EventClassifier

    init() throws { classifier = try ClassificationService.makeClassifier(configDirectory: TestSupport.configDirectory).0 }

    @Test func lifeDangerIsCriticalWhateverElseIsSaid() {
        let decision = classifier.classify(TestSupport.accepted("请问一下，楼道里冒烟了，好像着火了", requestType: .consult))
        #expect(decision.level == .critical)
        #expect(decision.explanation.contains("critical: rule"))
    }

    @Test func aKnifeRobberyOn110IsAPoliceMatterNotShuangfei() {
        let decision = classifier.classify(TestSupport.accepted("报警人称在曹桥路有人持刀抢劫", source: .police110))
        #expect(decision.police)
        #expect(!decision.shuangfei)
        #expect(decision.level == .critical)
        #expect(decision.place?.town == "曹桥街道")
    }

    @Test func aNoiseComplaintOn110IsShuangfei() {
        let decision = classifier.classify(TestSupport.accepted("报警人称楼上邻居装修到半夜还在砸墙，吵得睡不着", source: .police110))
        #expect(!decision.police)
        #expect(decision.shuangfei)
        #expect(decision.level != .critical)
    }

    @Test func shuangfeiIsOnlyFor110() {
        #expect(!classifier.classify(TestSupport.accepted("楼上邻居装修到半夜还在砸墙，吵得睡不着")).shuangfei)
    }

    @Test func wageArrearsGoToLabourWithConfidenceAndFeatures() {
        let decision = classifier.classify(TestSupport.accepted("老板拖欠我们工资三个月了，一直不给"))
        #expect(decision.category == .labor)
        #expect(decision.confidence > 0.5)
        #expect(!decision.needsReview)
        #expect(decision.explanation.hasPrefix("labor"))
    }

    @Test func coordinatesPlaceTheEventInAGrid() {
        var event = TestSupport.accepted("路灯坏了好几天")
        event.location = GeoPoint(lat: 30.59, lon: 120.96)  // inside the demo map's first grid
        let place = classifier.classify(event).place
        #expect(place == Place(town: "当湖街道", village: "东湖社区", grid: "东湖社区第1网格", basis: .coordinates))
    }

    @Test func gibberishIsFlaggedForReview() {
        let decision = classifier.classify(TestSupport.accepted("嗯嗯嗯啊啊啊"))
        #expect(decision.needsReview)
        #expect(decision.explanation.contains("needs review"))
    }
}
