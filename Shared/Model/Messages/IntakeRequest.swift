import Foundation

/// A valid inbound event on its way to the intake instance that owns its (source, id): that one
/// decides whether it is new. Topic `intake.requests` (internal), key `<source>/<sourceId>`, schema
/// version 1 (docs/messages.md). Written by intake's stateless step (from `intake.<source>`) and by its
/// HTTP window.
public struct IntakeRequest: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    /// Where the HTTP caller waits for the decision.
    public struct ReplyTo: Codable, Sendable, Equatable {
        public var instanceId: String
        public var requestId: String

        public init(instanceId: String, requestId: String) {
            self.instanceId = instanceId
            self.requestId = requestId
        }
    }

    public var schemaVersion: Int
    /// The event's id, derived from source, id and time (`StableId.event`).
    public var eventId: String
    public var source: Source
    public var sourceId: String
    /// `kafka:<topic>/<partition>/<offset>` or `http:<sender>`.
    public var origin: String
    public var occurredAt: Date
    public var receivedAt: Date
    public var text: String
    public var requestType: RequestType?
    public var reporter: Reporter?
    public var address: String?
    public var location: GeoPoint?
    public var extra: [String: JSONValue]
    /// A hash of the original bytes: tells an exact repeat from a changed re-send.
    public var contentHash: String
    public var replyTo: ReplyTo?

    public init(
        eventId: String, source: Source, sourceId: String, origin: String, occurredAt: Date, receivedAt: Date, text: String,
        requestType: RequestType?, reporter: Reporter?, address: String?, location: GeoPoint?, extra: [String: JSONValue],
        contentHash: String, replyTo: ReplyTo? = nil
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.eventId = eventId
        self.source = source
        self.sourceId = sourceId
        self.origin = origin
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.text = text
        self.requestType = requestType
        self.reporter = reporter
        self.address = address
        self.location = location
        self.extra = extra
        self.contentHash = contentHash
        self.replyTo = replyTo
    }

    /// The key: the owner of this key decides.
    public var key: String { "\(source.rawValue)/\(sourceId)" }

    /// The event it becomes when it is new.
    public var accepted: AcceptedEvent {
        AcceptedEvent(eventId: eventId, source: source, sourceId: sourceId, occurredAt: occurredAt, receivedAt: receivedAt,
                      text: text, requestType: requestType, reporter: reporter, address: address, location: location,
                      extra: extra)
    }
}

/// The owner's decision about an HTTP request, for the instance that waits with the caller. Topic
/// `intake.replies` (internal), key: that instance's id, schema version 1.
public struct IntakeDecision: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public enum Outcome: String, Codable, Sendable {
        case accepted, duplicate
    }

    public var schemaVersion: Int
    public var instanceId: String
    public var requestId: String
    public var outcome: Outcome
    /// The event's id; for a duplicate, the id of the first one.
    public var eventId: String
    public var decidedAt: Date

    public init(instanceId: String, requestId: String, outcome: Outcome, eventId: String, decidedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.instanceId = instanceId
        self.requestId = requestId
        self.outcome = outcome
        self.eventId = eventId
        self.decidedAt = decidedAt
    }
}

/// One (source, id) intake has taken: the state the owner of its partition keeps. Topic
/// `intake.events.changelog` (compacted), key `<source>/<sourceId>`, in the partition of the request
/// it records; schema version 1. A record never changes once written (the first event of an id wins).
public struct IntakeEventRecord: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var source: Source
    public var sourceId: String
    public var eventId: String
    public var contentHash: String
    public var origin: String
    public var receivedAt: Date

    public init(source: Source, sourceId: String, eventId: String, contentHash: String, origin: String, receivedAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.source = source
        self.sourceId = sourceId
        self.eventId = eventId
        self.contentHash = contentHash
        self.origin = origin
        self.receivedAt = receivedAt
    }
}

extension IntakeRequest: VersionedMessage {}
extension IntakeDecision: VersionedMessage {}
extension IntakeEventRecord: VersionedMessage {}
