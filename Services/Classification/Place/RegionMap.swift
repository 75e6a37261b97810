import Foundation
import MinshengModel
import MinshengPlatform

/// The region's boundaries (`region.geojson`: one polygon feature per grid, or per village or town,
/// with `town`, `village` and `grid` properties): finds the place of a coordinate by point-in-polygon.
struct RegionMap: Sendable {
    struct Area: Sendable {
        var town: String
        var village: String?
        var grid: String?
        /// Outer rings and holes, as [lon, lat] pairs: a point is inside when an odd number of rings
        /// contain it (even-odd rule, which handles holes and multipolygons alike).
        var rings: [[(lon: Double, lat: Double)]]
        var bounds: (minLon: Double, maxLon: Double, minLat: Double, maxLat: Double)
    }

    let areas: [Area]

    static let fileName = "region.geojson"

    /// The most specific area containing the point (grid before village before town).
    func place(of point: GeoPoint) -> Place? {
        let containing = areas.filter { area in
            point.lon >= area.bounds.minLon && point.lon <= area.bounds.maxLon && point.lat >= area.bounds.minLat
                && point.lat <= area.bounds.maxLat && Self.contains(area.rings, point)
        }
        let best = containing.max { specificity($0) < specificity($1) }
        return best.map { Place(town: $0.town, village: $0.village, grid: $0.grid, basis: .coordinates) }
    }

    private func specificity(_ area: Area) -> Int { (area.grid != nil ? 2 : 0) + (area.village != nil ? 1 : 0) }

    /// Even-odd ray casting over every ring.
    static func contains(_ rings: [[(lon: Double, lat: Double)]], _ point: GeoPoint) -> Bool {
        var inside = false
        for ring in rings where ring.count >= 3 {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i]
                let b = ring[j]
                if (a.lat > point.lat) != (b.lat > point.lat),
                   point.lon < (b.lon - a.lon) * (point.lat - a.lat) / (b.lat - a.lat) + a.lon {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }

    // MARK: Loading

    private struct FeatureCollection: Decodable {
        var type: String
        var features: [Feature]
    }

    private struct Feature: Decodable {
        struct Properties: Decodable {
            var town: String
            var village: String?
            var grid: String?
        }
        var properties: Properties
        var geometry: Geometry
    }

    private struct Geometry: Decodable {
        var rings: [[[Double]]]

        enum CodingKeys: String, CodingKey { case type, coordinates }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "Polygon":
                rings = try container.decode([[[Double]]].self, forKey: .coordinates)
            case "MultiPolygon":
                rings = try container.decode([[[[Double]]]].self, forKey: .coordinates).flatMap { $0 }
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                       debugDescription: "geometry type \(other) is not Polygon or MultiPolygon")
            }
        }
    }

    init(areas: [Area]) { self.areas = areas }

    static func load(directory: String, region: Region) throws(ConfigurationError) -> RegionMap {
        let collection = try ConfigFile.load(FeatureCollection.self, file: fileName, directory: directory)
        let towns = Set(region.towns.map(\.name))
        var areas: [Area] = []
        var problems: [String] = []
        for (index, feature) in collection.features.enumerated() {
            if !towns.contains(feature.properties.town) {
                problems.append("features[\(index)]: town \(feature.properties.town) is not in region.json")
            }
            var rings: [[(lon: Double, lat: Double)]] = []
            for ring in feature.geometry.rings {
                guard ring.allSatisfy({ $0.count >= 2 }) else {
                    problems.append("features[\(index)]: a position needs [lon, lat]")
                    continue
                }
                rings.append(ring.map { (lon: $0[0], lat: $0[1]) })
            }
            let points = rings.flatMap { $0 }
            guard !points.isEmpty else {
                problems.append("features[\(index)]: empty geometry")
                continue
            }
            areas.append(Area(
                town: feature.properties.town, village: feature.properties.village, grid: feature.properties.grid,
                rings: rings,
                bounds: (points.map(\.lon).min()!, points.map(\.lon).max()!, points.map(\.lat).min()!, points.map(\.lat).max()!)))
        }
        try ConfigFile.check(problems, file: fileName, directory: directory)
        return RegionMap(areas: areas)
    }
}
