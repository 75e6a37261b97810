import MinshengModel

/// What the text models see of an event: the character 1–3-grams of its text plus two context
/// features, the channel and the request type (a 110 call and a hotline consultation read differently).
struct ModelInput: Sendable {
    var text: String
    var source: Source
    var requestType: RequestType?

    var features: [TextFeatures.Key] {
        var keys = TextFeatures.keys(of: text)
        keys.append(Self.contextKey("source:" + source.rawValue))
        if let requestType { keys.append(Self.contextKey("requestType:" + requestType.rawValue)) }
        return keys
    }

    /// Context features live in their own key range (bit 62 set, bit 63 clear), away from n-grams.
    static func contextKey(_ name: String) -> TextFeatures.Key {
        (1 << 62) | (FNV1a.hash(name) & 0x3FFF_FFFF_FFFF_FFFF)
    }
}
