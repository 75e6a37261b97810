import Foundation
import MinshengModel
import MinshengPlatform

/// The region's towns drawn in SVG from `region.geojson` (one polygon per grid, village or town, with
/// `town`, `village`, `grid` properties): each town is the union of its features, filled as a whole;
/// its outline is every edge it does not share with another of its own features. Longitude is scaled by
/// the cosine of the middle latitude, so the shapes keep their proportions.
struct TownMap: Codable, Sendable, Equatable {
    struct Town: Codable, Sendable, Equatable {
        var name: String
        /// The filled area: every feature's rings, as one path.
        var area: String
        /// The outline: the edges not shared inside the town.
        var outline: String
        /// Where the name goes.
        var labelX: Double
        var labelY: Double
    }

    var width: Double
    var height: Double
    var towns: [Town]

    static let fileName = "region.geojson"

    private struct FeatureCollection: Decodable {
        struct Feature: Decodable {
            struct Properties: Decodable { var town: String }
            var properties: Properties
            var geometry: Geometry
        }
        var features: [Feature]
    }

    private struct Geometry: Decodable {
        var rings: [[[Double]]]
        enum CodingKeys: String, CodingKey { case type, coordinates }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "Polygon": rings = try container.decode([[[Double]]].self, forKey: .coordinates)
            case "MultiPolygon": rings = try container.decode([[[[Double]]]].self, forKey: .coordinates).flatMap { $0 }
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                       debugDescription: "geometry type \(other) is not Polygon or MultiPolygon")
            }
        }
    }

    static func load(directory: String, region: Region, width: Double = 1000) throws(ConfigurationError) -> TownMap {
        let collection = try ConfigFile.load(FeatureCollection.self, file: fileName, directory: directory)
        let known = Set(region.towns.map(\.name))
        var problems: [String] = []
        var ringsByTown: [String: [[(lon: Double, lat: Double)]]] = [:]
        for (index, feature) in collection.features.enumerated() {
            if !known.contains(feature.properties.town) {
                problems.append("features[\(index)]: town \(feature.properties.town) is not in region.json")
            }
            for ring in feature.geometry.rings {
                guard ring.count >= 3, ring.allSatisfy({ $0.count >= 2 }) else {
                    problems.append("features[\(index)]: a ring needs at least 3 positions of [lon, lat]")
                    continue
                }
                ringsByTown[feature.properties.town, default: []].append(ring.map { (lon: $0[0], lat: $0[1]) })
            }
        }
        try ConfigFile.check(problems, file: fileName, directory: directory)
        return TownMap(ringsByTown: ringsByTown, order: region.towns.map(\.name), width: width)
    }

    init(width: Double, height: Double, towns: [Town]) {
        self.width = width
        self.height = height
        self.towns = towns
    }

    init(ringsByTown: [String: [[(lon: Double, lat: Double)]]], order: [String], width: Double) {
        let points = ringsByTown.values.flatMap { $0.flatMap { $0 } }
        guard let minLon = points.map(\.lon).min(), let maxLon = points.map(\.lon).max(),
              let minLat = points.map(\.lat).min(), let maxLat = points.map(\.lat).max(), maxLon > minLon, maxLat > minLat
        else {
            self.init(width: width, height: width, towns: [])
            return
        }
        let xScale = cos((minLat + maxLat) / 2 * .pi / 180)
        let margin = 10.0
        let scale = (width - 2 * margin) / ((maxLon - minLon) * xScale)
        let height = (maxLat - minLat) * scale + 2 * margin
        func x(_ lon: Double) -> Double { margin + (lon - minLon) * xScale * scale }
        func y(_ lat: Double) -> Double { margin + (maxLat - lat) * scale }
        func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
        var towns: [Town] = []
        for name in order + ringsByTown.keys.sorted().filter({ !order.contains($0) }) {
            guard let rings = ringsByTown[name] else { continue }
            let area = rings.map { ring in
                "M" + ring.map { "\(fmt(x($0.lon))),\(fmt(y($0.lat)))" }.joined(separator: "L") + "Z"
            }.joined()
            // Edges, keyed by their rounded ends in either direction; those seen twice are inside the town.
            struct Edge: Hashable { var a: String; var b: String }
            var count: [Edge: Int] = [:]
            var edges: [(Edge, (Double, Double), (Double, Double))] = []
            for ring in rings {
                for index in 0..<ring.count {
                    let p = ring[index]
                    let q = ring[(index + 1) % ring.count]
                    let pa = (x(p.lon), y(p.lat))
                    let pb = (x(q.lon), y(q.lat))
                    let ka = "\(fmt(pa.0)),\(fmt(pa.1))"
                    let kb = "\(fmt(pb.0)),\(fmt(pb.1))"
                    guard ka != kb else { continue }
                    let key = ka < kb ? Edge(a: ka, b: kb) : Edge(a: kb, b: ka)
                    count[key, default: 0] += 1
                    edges.append((key, pa, pb))
                }
            }
            let outline = edges.filter { count[$0.0] == 1 }.map { "M\(fmt($0.1.0)),\(fmt($0.1.1))L\(fmt($0.2.0)),\(fmt($0.2.1))" }
                .joined()
            // The label at the area-weighted centre of the rings' boxes.
            var weight = 0.0, cx = 0.0, cy = 0.0
            for ring in rings {
                let xs = ring.map { x($0.lon) }, ys = ring.map { y($0.lat) }
                let w = (xs.max()! - xs.min()!) * (ys.max()! - ys.min()!)
                weight += w
                cx += w * (xs.max()! + xs.min()!) / 2
                cy += w * (ys.max()! + ys.min()!) / 2
            }
            towns.append(Town(name: name, area: area, outline: outline,
                              labelX: weight > 0 ? (cx / weight).rounded() : 0, labelY: weight > 0 ? (cy / weight).rounded() : 0))
        }
        self.init(width: width, height: height.rounded(.up), towns: towns)
    }
}
