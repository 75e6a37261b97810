import Foundation
import MinshengModel
import Testing
@testable import MinshengNotification

/// Who hears what of the centre's review (issue 11) and of returns waiting for it (issue 13).
extension NotificationHandlerTests {
    @Test func aReturnTellsTheCentreWithTheRulesProposalAndItsDeadline() throws {
        var returned = update(sequence: 2, change: .returned)
        returned.status = .returned
        returned.reason = "属执法局职责"
        returned.supervisorUnitId = "centre"
        returned.proposedUnitId = "city-urban"
        returned.reviewBy = now.addingTimeInterval(3600)
        try deliver(returned, to: try handler(webhook: nil))
        #expect(try recipients() == ["returned_notice": ["unit:centre"]])
        let text = try #require(try stored().first?.text)
        #expect(text.contains("被当湖街道民声一键办服务队退回"))
        #expect(text.contains("退回原因：属执法局职责"))
        #expect(text.contains("按规则建议改派：平湖市综合行政执法局"))
        #expect(text.contains("审核时限：2026-11-23 11:00"))
    }

    @Test func aReturnWaitingPastItsReviewDeadlineIsAnOverdueNoticeToTheCentre() throws {
        var overdue = update(sequence: 3, change: .overdue)
        overdue.status = .returned
        overdue.deadline = .review
        overdue.supervisorUnitId = "centre"
        overdue.reviewBy = now
        try deliver(overdue, to: try handler(webhook: nil))
        #expect(try recipients() == ["overdue": ["unit:centre"]])
        #expect(try stored().first?.text.contains("已超过审核时限（2026-11-23 10:00）") == true)
    }

    @Test func aHeldReportGetsTheCitizenAReceiptAndItsReleaseTheUnitASheet() throws {
        let handler = try handler(webhook: nil)
        var held = update(change: .held)
        held.status = .held
        held.unitId = "centre"
        held.unitName = "平湖市社会治理综合指挥服务中心"
        try deliver(held, to: handler)
        #expect(try recipients() == ["citizen_receipt": ["citizen:138****0000"]])
        try deliver(update(sequence: 2, change: .released), to: handler)
        #expect(try recipients() == ["citizen_receipt": ["citizen:138****0000"], "new_work_order": ["unit:danghu-team"]])
    }

    @Test func anAnsweredConsultationTellsTheCitizenTheAnswer() throws {
        var answered = update(sequence: 2, change: .answered)
        answered.status = .closed
        answered.result = "持身份证到社区服务站申请"
        try deliver(answered, to: try handler(webhook: nil))
        #expect(try recipients() == ["citizen_resolved": ["citizen:138****0000"]])
        #expect(try stored().first?.text.contains("持身份证到社区服务站申请") == true)
    }

    @Test func aRefusedReturnTellsTheUnitAndAMergeTellsNobody() throws {
        let handler = try handler(webhook: nil)
        var refused = update(sequence: 3, change: .returnRefused)
        refused.note = "属地管理，请继续办理"
        try deliver(refused, to: handler)
        var merged = update(sequence: 4, change: .merged)
        merged.status = .merged
        merged.mergedInto = "WO20261123-000002"
        try deliver(merged, to: handler)
        #expect(try recipients() == ["return_refused": ["unit:danghu-team"]])
        #expect(try stored().first?.text.contains("审核意见：属地管理，请继续办理") == true)
    }
}
