import Testing
@testable import MinshengNotification

@Suite("Webhook retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test func delaysDoubleThenCap() {
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == .seconds(2))
        #expect(policy.delay(afterAttempt: 5, random: 0.5) == .seconds(16))
        #expect(policy.delay(afterAttempt: 11, random: 0.5) == .seconds(300))
    }

    @Test func jitterStaysWithinItsBand() {
        #expect(policy.delay(afterAttempt: 3, random: 0) == .seconds(4) * 0.8)
        #expect(policy.delay(afterAttempt: 3, random: 1) == .seconds(4) * 1.2)
    }

    @Test func noDelayOnceAttemptsAreUsedUp() {
        #expect(policy.delay(afterAttempt: policy.maximumAttempts) == nil)
        #expect(policy.delay(afterAttempt: policy.maximumAttempts - 1) != nil)
    }

    @Test(arguments: [(400, true), (401, true), (404, true), (410, true), (408, false), (429, false), (500, false), (503, false), (200, false)])
    func permanentFailures(status: Int, permanent: Bool) {
        #expect(RetryPolicy.isPermanentFailure(httpStatus: status) == permanent)
    }
}
