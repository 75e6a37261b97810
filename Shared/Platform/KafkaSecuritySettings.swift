import Foundation

/// TLS and SASL towards the brokers, read from `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*` and
/// `KAFKA_SSL_*` and passed to librdkafka as its own properties (`security.protocol`, `sasl.mechanism`,
/// `sasl.username`, `sasl.password`, `ssl.ca.location`, `ssl.certificate.location`, `ssl.key.location`,
/// `ssl.key.password`, `ssl.endpoint.identification.algorithm`). Checked at start-up: a combination that
/// cannot work, or a file that cannot be read, stops the service naming the variable (docs/security.md).
public struct KafkaSecuritySettings: Sendable, Equatable {
    public enum SecurityProtocol: String, Sendable, CaseIterable {
        case plaintext, ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"

        public var usesTLS: Bool { self == .ssl || self == .saslSSL }
        public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    }

    public enum Mechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    public var securityProtocol: SecurityProtocol = .plaintext
    public var mechanism: Mechanism?
    public var username: String?
    /// From `KAFKA_SASL_PASSWORD` or the file `KAFKA_SASL_PASSWORD_FILE` names.
    public var password: String?
    public var caLocation: String?
    public var certificateLocation: String?
    public var keyLocation: String?
    public var keyPassword: String?
    /// `https` (check the broker's host name against its certificate) or `none`.
    public var endpointIdentification: String?

    public init() {}

    /// The variables, for `--help` and the README.
    public static let variables: [(name: String, meaning: String)] = [
        ("KAFKA_SECURITY_PROTOCOL", "plaintext, ssl, sasl_plaintext or sasl_ssl (default plaintext)"),
        ("KAFKA_SASL_MECHANISM", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; required with sasl_*; PLAIN only with sasl_ssl"),
        ("KAFKA_SASL_USERNAME", "SASL user name; required with sasl_*"),
        ("KAFKA_SASL_PASSWORD", "SASL password (or KAFKA_SASL_PASSWORD_FILE; exactly one with sasl_*)"),
        ("KAFKA_SASL_PASSWORD_FILE", "file holding the SASL password (a trailing newline is ignored)"),
        ("KAFKA_SSL_CA_LOCATION", "CA certificate(s) (PEM) to verify the brokers; default: the system's (ssl/sasl_ssl)"),
        ("KAFKA_SSL_CERTIFICATE_LOCATION", "client certificate (PEM) for mutual TLS; needs KAFKA_SSL_KEY_LOCATION"),
        ("KAFKA_SSL_KEY_LOCATION", "client private key (PEM) for mutual TLS"),
        ("KAFKA_SSL_KEY_PASSWORD", "password of the client key, if it has one (or KAFKA_SSL_KEY_PASSWORD_FILE)"),
        ("KAFKA_SSL_KEY_PASSWORD_FILE", "file holding the client key's password"),
        ("KAFKA_SSL_ENDPOINT_IDENTIFICATION", "https (check the broker's host name; default) or none"),
    ]

    /// Reads and checks the variables. `demoMode` allows PLAIN without TLS (a local test broker only).
    public static func load(
        _ value: (String) -> String?, demoMode: Bool, fileManager: FileManager = .default
    ) throws(ConfigurationError) -> KafkaSecuritySettings {
        var settings = KafkaSecuritySettings()
        if let raw = value("KAFKA_SECURITY_PROTOCOL") {
            guard let parsed = SecurityProtocol(rawValue: raw.lowercased()) else {
                throw .variable("KAFKA_SECURITY_PROTOCOL", raw, expected: "plaintext, ssl, sasl_plaintext or sasl_ssl")
            }
            settings.securityProtocol = parsed
        }
        let kind = settings.securityProtocol
        func readable(_ name: String) throws(ConfigurationError) -> String? {
            guard let path = value(name) else { return nil }
            guard fileManager.isReadableFile(atPath: path) else {
                throw ConfigurationError("\(name)=\(path): the file does not exist or cannot be read")
            }
            return path
        }
        func secret(_ name: String, file fileName: String) throws(ConfigurationError) -> String? {
            let direct = value(name)
            guard let path = try readable(fileName) else { return direct }
            guard direct == nil else { throw ConfigurationError("set \(name) or \(fileName), not both") }
            guard let data = fileManager.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError("\(fileName)=\(path): cannot read the file as UTF-8 text")
            }
            let trimmed = text.trimmingCharacters(in: .newlines)
            guard !trimmed.isEmpty else { throw ConfigurationError("\(fileName)=\(path): the file is empty") }
            return trimmed
        }

        // SASL
        let saslNames = ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD_FILE"]
        if kind.usesSASL {
            guard let raw = value("KAFKA_SASL_MECHANISM") else {
                throw ConfigurationError("KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=\(kind.rawValue)")
            }
            guard let mechanism = Mechanism(rawValue: raw.uppercased()) else {
                throw .variable("KAFKA_SASL_MECHANISM", raw, expected: "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            if mechanism == .plain && !kind.usesTLS && !demoMode {
                throw ConfigurationError(
                    "KAFKA_SASL_MECHANISM=PLAIN sends the password in clear: use KAFKA_SECURITY_PROTOCOL=sasl_ssl (or SCRAM)")
            }
            settings.mechanism = mechanism
            guard let username = value("KAFKA_SASL_USERNAME") else {
                throw ConfigurationError("KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=\(kind.rawValue)")
            }
            settings.username = username
            guard let password = try secret("KAFKA_SASL_PASSWORD", file: "KAFKA_SASL_PASSWORD_FILE") else {
                throw ConfigurationError(
                    "KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SECURITY_PROTOCOL=\(kind.rawValue)")
            }
            settings.password = password
        } else if let name = saslNames.first(where: { value($0) != nil }) {
            throw ConfigurationError("\(name) is set but KAFKA_SECURITY_PROTOCOL=\(kind.rawValue) uses no SASL (sasl_ssl or sasl_plaintext)")
        }

        // TLS
        let tlsNames = ["KAFKA_SSL_CA_LOCATION", "KAFKA_SSL_CERTIFICATE_LOCATION", "KAFKA_SSL_KEY_LOCATION",
                        "KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_KEY_PASSWORD_FILE", "KAFKA_SSL_ENDPOINT_IDENTIFICATION"]
        if kind.usesTLS {
            settings.caLocation = try readable("KAFKA_SSL_CA_LOCATION")
            settings.certificateLocation = try readable("KAFKA_SSL_CERTIFICATE_LOCATION")
            settings.keyLocation = try readable("KAFKA_SSL_KEY_LOCATION")
            if (settings.certificateLocation == nil) != (settings.keyLocation == nil) {
                throw ConfigurationError("KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION go together (mutual TLS)")
            }
            settings.keyPassword = try secret("KAFKA_SSL_KEY_PASSWORD", file: "KAFKA_SSL_KEY_PASSWORD_FILE")
            if settings.keyPassword != nil && settings.keyLocation == nil {
                throw ConfigurationError("KAFKA_SSL_KEY_PASSWORD is set without KAFKA_SSL_KEY_LOCATION")
            }
            if let raw = value("KAFKA_SSL_ENDPOINT_IDENTIFICATION") {
                guard ["https", "none"].contains(raw.lowercased()) else {
                    throw .variable("KAFKA_SSL_ENDPOINT_IDENTIFICATION", raw, expected: "https or none")
                }
                settings.endpointIdentification = raw.lowercased()
            }
        } else if let name = tlsNames.first(where: { value($0) != nil }) {
            throw ConfigurationError("\(name) is set but KAFKA_SECURITY_PROTOCOL=\(kind.rawValue) uses no TLS (ssl or sasl_ssl)")
        }
        return settings
    }

    /// The librdkafka properties (empty for plaintext).
    public var properties: [String: String] {
        var properties: [String: String] = [:]
        guard securityProtocol != .plaintext else { return properties }
        properties["security.protocol"] = securityProtocol.rawValue
        properties["sasl.mechanism"] = mechanism?.rawValue
        properties["sasl.username"] = username
        properties["sasl.password"] = password
        properties["ssl.ca.location"] = caLocation
        properties["ssl.certificate.location"] = certificateLocation
        properties["ssl.key.location"] = keyLocation
        properties["ssl.key.password"] = keyPassword
        properties["ssl.endpoint.identification.algorithm"] = endpointIdentification
        return properties
    }
}
