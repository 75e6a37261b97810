import MinshengModel

/// Places an event in the region from its address and text: village or community first (it names the
/// town too), then road, then the town's own name. The address wins over the text. A village's grid is
/// not named by text: the gazetteer leaves it unknown (coordinates find it, see `RegionMap`).
struct Gazetteer: Sendable {
    private struct Entry: Sendable {
        var name: String
        var place: Place
    }

    private let entries: [Entry]
    private let matcher: PhraseMatcher

    init(region: Region) {
        var villages: [Entry] = []
        var roads: [Entry] = []
        var towns: [Entry] = []
        for town in region.towns {
            for village in town.villages {
                villages.append(Entry(name: village.name, place: Place(town: town.name, village: village.name)))
            }
            for road in town.roads {
                roads.append(Entry(name: road, place: Place(town: town.name)))
            }
            for name in [town.name] + town.aliases {
                towns.append(Entry(name: name, place: Place(town: town.name)))
            }
        }
        // Longer names first within each kind, so 新埭社区 wins over 新埭.
        let byLength: (Entry, Entry) -> Bool = { $0.name.count > $1.name.count }
        entries = villages.sorted(by: byLength) + roads.sorted(by: byLength) + towns.sorted(by: byLength)
        matcher = PhraseMatcher(entries.map(\.name))
    }

    func place(address: String?, text: String) -> Place? {
        for (haystack, basis) in [(address, Place.Basis.address), (text, .text)] {
            guard let haystack else { continue }
            if let first = matcher.matches(in: haystack).first {
                var place = entries[first].place
                place.basis = basis
                return place
            }
        }
        return nil
    }
}
