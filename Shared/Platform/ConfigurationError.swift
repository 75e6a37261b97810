/// A setting that stops start-up, naming the variable or file at fault.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }

    public static func variable(_ name: String, _ value: String, expected: String) -> ConfigurationError {
        ConfigurationError("\(name)=\(value) is invalid: expected \(expected)")
    }
}
