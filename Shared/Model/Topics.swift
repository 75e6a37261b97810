/// Kafka topic names: the contract between the services and with outside systems.
/// Documented in `docs/messages.md` and `docs/inbound.md`.
public enum Topics {
    /// Inbound topics, one per source, published by outside systems.
    public static let inbound: [String] = Source.allCases.compactMap(\.inboundTopic)
    /// intake → classification: validated, de-duplicated events.
    public static let eventsAccepted = "events.accepted"
    /// What intake refused, with the original bytes and a reason.
    public static let eventsRejected = "events.rejected"
    /// classification → dispatch.
    public static let eventsClassified = "events.classified"
    /// 110 calls judged police matters, handed back to the 110 system.
    public static let police110Returns = "police110.returns"
    /// Every work-order state change.
    public static let workOrderUpdates = "workorders.updates"
    /// Clusters of similar reports in one area (未诉先办), from classification.
    public static let hotspotAlerts = "alerts.hotspots"
    /// Delivery results of notifications.
    public static let notificationDeliveries = "notifications.deliveries"
    /// Notification's partitioned state (notifications, their delivery state, the latest change of each
    /// work order): compacted, partition p holds the records of state partition p.
    public static let notificationChangelog = "notification.deliveries.changelog"
    /// Intake's own: valid events on their way to the owner of their (source, id).
    public static let intakeRequests = "intake.requests"
    /// Intake's own: the owner's decisions, for the HTTP window that waits for them.
    public static let intakeReplies = "intake.replies"
    /// Intake's own: the changelog of the (source, id) memory.
    public static let intakeEventsChangelog = "intake.events.changelog"
    /// Dispatch's own: the changelog of the work orders, partitioned like `events.classified`.
    public static let dispatchWorkOrdersChangelog = "dispatch.workorders.changelog"
    /// Dispatch's own: the API's writes on their way to the owner of the order's partition.
    public static let dispatchCommands = "dispatch.commands"
    /// Dispatch's own: the owners' replies, for the instance that waits with the HTTP caller.
    public static let dispatchReplies = "dispatch.replies"
    /// Classification's own: classified, placed reports on their way to the owner of their town.
    public static let classificationByTown = "classification.bytown"
    /// Classification's own: the changelog of the towns' repeat-and-hotspot windows.
    public static let classificationWindowChangelog = "classification.window.changelog"

    /// The dead-letter topic of a service: messages it could not process, with the reason.
    public static func deadLetter(service: String) -> String { "\(service).dlq" }

    /// Every topic the system uses, for the topic-creation step.
    public static var all: [String] {
        inbound + [eventsAccepted, eventsRejected, eventsClassified, police110Returns, workOrderUpdates,
                   notificationDeliveries, hotspotAlerts, intakeRequests, intakeReplies, intakeEventsChangelog,
                   notificationChangelog,
                   dispatchWorkOrdersChangelog, dispatchCommands, dispatchReplies,
                   classificationByTown, classificationWindowChangelog]
            + ["intake", "classification", "dispatch", "notification", "console"].map { deadLetter(service: $0) }
    }
}
