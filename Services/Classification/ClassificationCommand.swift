import ArgumentParser
import MinshengPlatform

/// `minsheng-classification`: what an event is, how urgent, police or not, where (精准分流).
@main
struct ClassificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.classification.executableName,
        abstract: "Minsheng classification: reads events.accepted, publishes events.classified and police110.returns.",
        discussion: ServiceSettings.help(for: .classification))

    func run() async throws {
        try await ServiceLauncher.launch(.classification) { settings in
            try await ClassificationService.build(settings: settings).run()
        }
    }
}
