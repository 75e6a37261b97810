/// The person who reported an event, when known.
public struct Reporter: Codable, Sendable, Equatable {
    public var name: String?
    public var phone: String?

    public init(name: String? = nil, phone: String? = nil) {
        self.name = name
        self.phone = phone
    }
}

/// A WGS-84 point.
public struct GeoPoint: Codable, Sendable, Equatable {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }
}
