/// The `# HELP` text of every metric the services expose. swift-metrics has no place for a
/// description, so `/metrics` adds these to the registry's output (`withHelp`). A metric missing here
/// gets `undocumentedMarker` in its help, which the metrics test refuses.
public enum MetricDescriptions {
    public static let undocumentedMarker = "(no description in MetricDescriptions.swift)"

    public static let help: [String: String] = [
        // Platform
        "minsheng_messages_total": "Messages the consumer loop finished, by topic and outcome (processed, duplicate, dead_lettered).",
        "minsheng_message_processing_seconds": "Time to process one consumed message, by topic.",
        "minsheng_batch_size": "Messages handled in one consumer batch.",
        "minsheng_outbox_published_total": "Outbox rows the broker confirmed.",
        "minsheng_outbox_coalesced_total": "Outbox records not sent because a later record of their key (a changelog, a hotspot alert) went in their place.",
        "minsheng_outbox_failures_total": "Outbox rows whose publication failed (they are retried).",
        "minsheng_outbox_backlog": "Outbox rows not yet published.",
        "minsheng_outbox_oldest_unsent_age_seconds": "Age of the oldest unpublished outbox row (0 when none).",
        "minsheng_outbox_parked": "Outbox rows set aside now (never publishable; they stay in SQLite until dealt with).",
        "minsheng_database_failures_total": "Consumer batches that failed on the database (retried).",
        "minsheng_outbox_parked_total": "Outbox rows set aside because they can never be published, by reason.",
        "minsheng_dead_letters_total": "Messages sent to the service's dead-letter topic, by reason (unprocessable, failed).",
        "minsheng_sqlite_transaction_seconds": "Duration of SQLite write transactions.",
        "minsheng_group_commit_transactions_total": "Transactions of a group-committed writer (writes queued together share one), by writer.",
        "minsheng_group_commit_writes_total": "Writes of a group-committed writer, by writer; divided by its transactions: writes per transaction.",
        "minsheng_http_requests_total": "HTTP requests answered, by route, method and status.",
        "minsheng_http_request_duration_seconds": "HTTP request duration, by route and method.",
        "kafka_consumergroup_lag": "End offset minus committed offset of this instance's assigned partitions.",
        "kafka_consumergroup_lag_sum": "Lag summed over this instance's partitions of the topic.",
        // Intake
        "minsheng_intake_events_total": "Intake decisions, Kafka and HTTP, by source and outcome (accepted, duplicate, rejected).",
        // Classification
        "minsheng_classified_total": "Events classified, by category, level and whether a police matter.",
        // Dispatch
        "minsheng_workorders_created_total": "Work orders created, by level.",
        "minsheng_deadline_timers_total": "Deadline timers handled by dispatch's watcher, by kind and outcome (fired, cancelled).",
        "minsheng_workorders": "Work orders now in each status.",
        "minsheng_workorders_overdue": "Open work orders whose deadline of the current round has passed unmet, by deadline (sign, on_site, resolve).",
        // Notification
        "minsheng_notifications_total": "Notifications finished, by channel and outcome (delivered, failed, retry).",
        "minsheng_notification_attempt_failures_total": "Failed delivery attempts that were not a 4xx refusal.",
        "minsheng_notification_deliveries_total": "Delivery attempts, by channel and outcome (delivered, rejected, failed).",
    ]

    /// `text` (Prometheus text format) with a `# HELP` line before every `# TYPE` line that has none.
    public static func withHelp(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst("# TYPE ".count).split(separator: " ").first {
                if !(out.last?.hasPrefix("# HELP \(name) ") ?? false) {
                    let help = help[String(name)] ?? "\(name) \(undocumentedMarker)"
                    out.append("# HELP \(name) " + help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))
                }
            }
            out.append(String(line))
        }
        return out.joined(separator: "\n")
    }
}
