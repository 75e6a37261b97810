import ArgumentParser
import MinshengPlatform

/// `minsheng-dispatch`: the system of record for work orders (工单).
@main
struct DispatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.dispatch.executableName,
        abstract: "Minsheng dispatch: turns events.classified into work orders, publishes workorders.updates.",
        discussion: ServiceSettings.help(for: .dispatch))

    func run() async throws {
        try await ServiceLauncher.launch(.dispatch) { settings in
            try await DispatchService.build(settings: settings).run()
        }
    }
}
