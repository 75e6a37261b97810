/// A message on an internal topic: it says which version of its schema it follows.
public protocol VersionedMessage: Codable, Sendable {
    /// The version this code writes and reads.
    static var currentSchemaVersion: Int { get }
    var schemaVersion: Int { get }
}

extension AcceptedEvent: VersionedMessage {}
extension ClassifiedEvent: VersionedMessage {}
extension PoliceReturn: VersionedMessage {}
extension RejectedEvent: VersionedMessage {}
extension DeadLetter: VersionedMessage {}
extension WorkOrderUpdate: VersionedMessage {}
extension DeliveryResult: VersionedMessage {}
extension HotspotAlert: VersionedMessage {}
