import ArgumentParser
import MinshengPlatform

/// `minsheng-notification`: tells handling units what they must do.
@main
struct NotificationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.notification.executableName,
        abstract: "Minsheng notification: reads workorders.updates, delivers to units' webhooks, publishes notifications.deliveries.",
        discussion: ServiceSettings.help(for: .notification))

    func run() async throws {
        try await ServiceLauncher.launch(.notification) { settings in
            try await NotificationService.build(settings: settings).run()
        }
    }
}
