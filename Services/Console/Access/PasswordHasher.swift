import Crypto
import Foundation
import _CryptoExtras

/// Passwords stored as scrypt hashes (swift-crypto's `KDF.Scrypt`, BoringSSL underneath), with a
/// random 16-byte salt and the cost in the stored text, so the cost can be raised without breaking old
/// hashes: `scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>`. The default cost (N = 2^15, r = 8,
/// p = 1: 32 MiB; 0.6 s per hash in a debug build on the busy development machine) follows OWASP's
/// minimum for scrypt.
struct PasswordHasher: Sendable {
    var log2N: Int = 15
    var blockSize: Int = 8
    var parallelism: Int = 1

    static let outputBytes = 32
    /// The shortest password an account may have.
    static let minimumLength = 10

    enum Failure: Error, Equatable { case malformed }

    func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let key = try derive(password, salt: salt, log2N: log2N, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(log2N)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches the stored hash; compared in constant time.
    static func verify(_ password: String, against stored: String) throws -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let log2N = Int(parts[1]), (10...20).contains(log2N),
              let r = Int(parts[2]), (1...32).contains(r), let p = Int(parts[3]), (1...16).contains(p),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]), expected.count == outputBytes
        else { throw Failure.malformed }
        let key = try derive(password, salt: Array(salt), log2N: log2N, blockSize: r, parallelism: p)
        var difference: UInt8 = 0
        for (a, b) in zip(key, expected) { difference |= a ^ b }
        return difference == 0
    }

    private static func derive(_ password: String, salt: [UInt8], log2N: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: outputBytes,
                                           rounds: 1 << log2N, blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }

    private func derive(_ password: String, salt: [UInt8], log2N: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        try Self.derive(password, salt: salt, log2N: log2N, blockSize: blockSize, parallelism: parallelism)
    }
}
