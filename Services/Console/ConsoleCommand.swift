import ArgumentParser
import Foundation
import MinshengPlatform

/// `minsheng-console`: the command centre's web console (驾驶舱, 分拨台, 工作台, 考核).
@main
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ServiceName.console.executableName,
        abstract: "Minsheng console: the command centre's screen, triage desk, units' workbench and evaluation, over dispatch's API.",
        discussion: ServiceSettings.help(for: .console),
        subcommands: [Serve.self, HashPassword.self], defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the console (the default).")

        func run() async throws {
            try await ServiceLauncher.launch(.console) { settings in
                let console = try ConsoleSettings.load()
                try await ConsoleService.build(settings: settings, console: console).run()
            }
        }
    }

    /// Prints the scrypt hash of a password read from standard input, for `passwordHash` in
    /// `console-accounts.json`.
    struct HashPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password", abstract: "Read a password from standard input and print its scrypt hash.")

        func run() throws {
            guard let password = readLine(strippingNewline: true), password.count >= PasswordHasher.minimumLength else {
                throw ValidationError("give a password of at least \(PasswordHasher.minimumLength) characters on standard input")
            }
            print(try PasswordHasher().hash(password))
        }
    }
}
