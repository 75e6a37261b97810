import MinshengModel
import Testing
@testable import MinshengClassification

@Suite("Skeleton classifier rules")
struct EventClassifierTests {
    let classifier: EventClassifier

    init() throws { classifier = EventClassifier(gazetteer: Gazetteer(region: try TestSupport.region())) }

    @Test func lifeDangerIsCriticalWhateverElseIsSaid() {
        let decision = classifier.classify(TestSupport.accepted("请问一下，楼道里冒烟了，好像着火了", requestType: .consult))
        #expect(decision.level == .critical)
    }

    @Test func aKnifeRobberyOn110IsAPoliceMatterNotShuangfei() {
        let decision = classifier.classify(TestSupport.accepted("报警人称在曹桥路有人持刀抢劫", source: .police110))
        #expect(decision.police)
        #expect(!decision.shuangfei)
        #expect(decision.category == .publicOrder)
        #expect(decision.level == .critical)
        #expect(decision.place?.town == "曹桥街道")
    }

    @Test func aNoiseComplaintOn110IsShuangfei() {
        let decision = classifier.classify(TestSupport.accepted("报警人称楼上装修夜间施工太吵", source: .police110))
        #expect(!decision.police)
        #expect(decision.shuangfei)
        #expect(decision.category == .urbanManagement)
    }

    @Test func shuangfeiIsOnlyFor110() {
        #expect(!classifier.classify(TestSupport.accepted("楼上装修夜间施工太吵")).shuangfei)
    }

    @Test func aConsultationIsLowEvenWithAnUrgentWord() {
        let decision = classifier.classify(TestSupport.accepted("请问独居老人的高龄补贴怎么申请？", requestType: .consult))
        #expect(decision.level == .low)
        #expect(decision.category == .socialSecurity)
    }

    @Test func wageArrearsGoToLabour() {
        let decision = classifier.classify(TestSupport.accepted("老板拖欠工资三个月了"))
        #expect(decision.category == .labor)
        #expect(decision.confidence > 0.5)
        #expect(decision.explanation.contains("labor"))
    }

    @Test func nothingMatchedIsOtherWithLowConfidence() {
        let decision = classifier.classify(TestSupport.accepted("你好"))
        #expect(decision.category == .other)
        #expect(decision.confidence < 0.5)
        #expect(decision.level == .normal)
    }
}
