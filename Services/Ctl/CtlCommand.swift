import ArgumentParser
import MinshengPlatform

/// `minsheng-ctl`: the operator's command (运维工具) — consumer lag read from the broker, the topics the
/// deployment needs, dead letters, and sending events as an outside system would.
@main
struct CtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minsheng-ctl",
        abstract: "Minsheng operations: consumer lag, topics, dead letters, sending events, reading topics.",
        discussion: """
            Kafka is reached with the services' settings: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:19092) \
            and the other KAFKA_* variables the services read, or --bootstrap-servers. See docs/operations.md.
            """,
        subcommands: [LagCommand.self, TopicsCommand.self, DeadLetterCommand.self, SendCommand.self, TailCommand.self])
}
