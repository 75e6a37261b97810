import ArgumentParser
import MinshengPlatform

/// `minsheng-intake`: takes events in from every channel (一窗式采集).
@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.intake.executableName,
        abstract: "Minsheng intake: validates events from the inbound topics and POST /v1/events/{source}, publishes events.accepted.",
        discussion: ServiceSettings.help(for: .intake))

    func run() async throws {
        try await ServiceLauncher.launch(.intake) { settings in
            try await IntakeService.build(settings: settings).run()
        }
    }
}
