/// FNV-1a, 64 bits: a fast, stable (across runs and machines) hash for identifiers and fingerprints,
/// never for security.
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    public static func hash(_ text: String) -> UInt64 { hash(text.utf8) }
}
