import Foundation
import Logging
import MinshengKafka
import MinshengPlatform
import Testing

/// TLS and SASL towards the brokers (docs/security.md): read from the environment, checked with errors
/// that name the variable, and passed through to librdkafka, which must accept them.
@Suite("Security: Kafka TLS and SASL settings")
struct KafkaSecuritySettingsTests {
    static let ca = "/etc/ssl/certs/ca-certificates.crt"

    func load(_ environment: [String: String]) throws(ConfigurationError) -> ServiceSettings {
        try ServiceSettings.load(for: .dispatch, environment: environment)
    }

    @Test func plaintextByDefault() throws {
        let settings = try load([:])
        #expect(settings.kafkaSecurity.properties.isEmpty)
        #expect(!settings.demoMode)
        #expect(settings.kafkaConfiguration(role: "producer")["security.protocol"] == nil)
    }

    @Test func saslSSLWithScramIsPassedThrough() throws {
        let passwordFile = NSTemporaryDirectory() + "kafka-password-\(UUID().uuidString)"
        try "s3cret-from-a-file\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let settings = try load([
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "scram-sha-512", "KAFKA_SASL_USERNAME": "dispatch",
            "KAFKA_SASL_PASSWORD_FILE": passwordFile, "KAFKA_SSL_CA_LOCATION": Self.ca,
            "KAFKA_SSL_ENDPOINT_IDENTIFICATION": "https",
        ])
        let configuration = settings.kafkaConfiguration(role: "consumer")
        #expect(configuration["security.protocol"] == "sasl_ssl")
        #expect(configuration["sasl.mechanism"] == "SCRAM-SHA-512")
        #expect(configuration["sasl.username"] == "dispatch")
        #expect(configuration["sasl.password"] == "s3cret-from-a-file")
        #expect(configuration["ssl.ca.location"] == Self.ca)
        #expect(configuration["ssl.endpoint.identification.algorithm"] == "https")
        #expect(configuration["bootstrap.servers"] == "127.0.0.1:19092")
    }

    /// librdkafka itself takes every property (this build has ssl and sasl_scram) and loads the CA file;
    /// a CA file that is not PEM fails there, which shows the setting really reaches it.
    @Test func librdkafkaAcceptsTheProperties() async throws {
        let settings = try load([
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "KAFKA_SASL_USERNAME": "intake", "KAFKA_SASL_PASSWORD": "pw", "KAFKA_SSL_CA_LOCATION": Self.ca,
        ])
        let producer = try KafkaProducer(configuration: settings.kafkaConfiguration(role: "producer"), logger: Logger(label: "test"),
                                         flushTimeout: .milliseconds(100))
        await producer.close()

        let notPEM = NSTemporaryDirectory() + "not-a-ca-\(UUID().uuidString).pem"
        try "not a certificate".write(toFile: notPEM, atomically: true, encoding: .utf8)
        let broken = try load([
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CA_LOCATION": notPEM,
        ])
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: broken.kafkaConfiguration(role: "producer"), logger: Logger(label: "test"))
        }
    }

    @Test(arguments: [
        (["KAFKA_SECURITY_PROTOCOL": "tls"], "KAFKA_SECURITY_PROTOCOL=tls is invalid"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl"], "KAFKA_SASL_MECHANISM is required"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "GSSAPI"], "KAFKA_SASL_MECHANISM=GSSAPI is invalid"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "PLAIN"], "KAFKA_SASL_USERNAME is required"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u"],
         "KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u",
          "KAFKA_SASL_PASSWORD": "p"], "PLAIN sends the password in clear"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u",
          "KAFKA_SASL_PASSWORD": "p", "KAFKA_SASL_PASSWORD_FILE": "/etc/hostname"], "not both"),
        (["KAFKA_SASL_USERNAME": "u"], "KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL=plaintext uses no SASL"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "u",
          "KAFKA_SASL_PASSWORD": "p", "KAFKA_SSL_CA_LOCATION": "/etc/ssl/certs/ca-certificates.crt"], "uses no TLS"),
        (["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CA_LOCATION": "/nonexistent/ca.pem"], "KAFKA_SSL_CA_LOCATION=/nonexistent/ca.pem: the file does not exist"),
        (["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CERTIFICATE_LOCATION": "/etc/hostname"], "go together"),
        (["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_ENDPOINT_IDENTIFICATION": "maybe"], "KAFKA_SSL_ENDPOINT_IDENTIFICATION=maybe is invalid"),
        (["MINSHENG_DEMO_MODE": "sometimes"], "MINSHENG_DEMO_MODE=sometimes is invalid"),
    ])
    func invalidCombinationsAreNamed(environment: [String: String], message: String) {
        do {
            _ = try load(environment)
            Issue.record("\(environment) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func plainWithoutTLSOnlyInDemoMode() throws {
        let settings = try load(["MINSHENG_DEMO_MODE": "true", "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "PLAIN",
                                 "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"])
        #expect(settings.demoMode)
        #expect(settings.kafkaSecurity.properties["sasl.mechanism"] == "PLAIN")
    }

    @Test func everySecuritySettingIsListedInHelpAndTheReadme() throws {
        let readme = try String(contentsOfFile: TestSupport.root + "/README.md", encoding: .utf8)
        let help = ServiceSettings.help(for: .intake)
        for (name, _) in ServiceSettings.securityVariables {
            #expect(help.contains(name), "\(name) not in --help")
            #expect(readme.contains("`\(name)`"), "\(name) not in README's configuration table")
        }
    }
}
