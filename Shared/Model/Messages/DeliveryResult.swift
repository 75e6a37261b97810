import Foundation

/// The outcome of one notification: delivered, failed for good, or undeliverable.
/// Topic `notifications.deliveries`, key `eventId`, schema version 1 (docs/messages.md).
public struct DeliveryResult: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public enum Outcome: String, Codable, Sendable {
        /// The receiver answered 2xx.
        case delivered
        /// Permanent failure or retries exhausted.
        case failed
        /// The recipient has no channel configured: logged and kept, never sent.
        case undeliverable
    }

    public var schemaVersion: Int
    public var eventId: String
    /// The work order it was about, if any.
    public var workOrderId: String?
    /// The work order or hotspot alert it was about.
    public var subjectId: String
    public var notificationId: String
    /// What the message was about, e.g. `new_work_order`, `hotspot`, `citizen_receipt`.
    public var kind: String
    /// `unit:<id>` or `citizen:<phone>`.
    public var recipient: String
    /// The unit, when the recipient is one.
    public var recipientUnitId: String?
    /// `webhook`, `dingtalk`, `wecom`, `sms`, or `none` for an undeliverable message.
    public var channel: String
    public var outcome: Outcome
    public var attempts: Int
    public var detail: String
    public var at: Date

    public init(
        eventId: String, workOrderId: String?, subjectId: String, notificationId: String, kind: String, recipient: String,
        recipientUnitId: String?, channel: String, outcome: Outcome, attempts: Int, detail: String, at: Date
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.workOrderId = workOrderId
        self.subjectId = subjectId
        self.recipient = recipient
        self.notificationId = notificationId
        self.kind = kind
        self.recipientUnitId = recipientUnitId
        self.channel = channel
        self.outcome = outcome
        self.attempts = attempts
        self.detail = detail
        self.at = at
    }
}
