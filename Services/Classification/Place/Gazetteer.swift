import MinshengModel

/// Places an event in the region from its address and text: village or community first (it names the
/// town too), then road, then the town's own name. The address wins over the text. A village's grid is
/// not named by text: the gazetteer leaves it unknown (coordinates find it, see `RegionMap`).
/// Villages are also found without their 村 (龙萌 for 龙萌村), except where the short form is a common
/// word (花园).
struct Gazetteer: Sendable {
    enum Kind: Sendable { case village, road, town }

    private struct Entry: Sendable {
        var name: String
        var kind: Kind
        /// The canonical name: the village's or road's full name, the town's name.
        var canonical: String
        var place: Place
    }

    /// Short forms that are common words, never read as a village.
    static let commonWords: Set<String> = ["花园"]

    private let entries: [Entry]
    private let matcher: PhraseMatcher

    init(region: Region) {
        var villages: [Entry] = []
        var roads: [Entry] = []
        var towns: [Entry] = []
        for town in region.towns {
            for village in town.villages {
                let place = Place(town: town.name, village: village.name)
                villages.append(Entry(name: village.name, kind: .village, canonical: village.name, place: place))
                if village.name.hasSuffix("村") {
                    let short = String(village.name.dropLast())
                    if short.count >= 2 && !Self.commonWords.contains(short) {
                        villages.append(Entry(name: short, kind: .village, canonical: village.name, place: place))
                    }
                }
            }
            for road in town.roads {
                roads.append(Entry(name: road, kind: .road, canonical: road, place: Place(town: town.name)))
            }
            for name in [town.name] + town.aliases {
                towns.append(Entry(name: name, kind: .town, canonical: town.name, place: Place(town: town.name)))
            }
        }
        // Longer names first within each kind, so 新埭社区 wins over 新埭.
        let byLength: (Entry, Entry) -> Bool = { $0.name.count != $1.name.count ? $0.name.count > $1.name.count : $0.name < $1.name }
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

    /// The text with every place name it holds (towns too) replaced by a comma: report similarity
    /// compares places separately, and a shared road name must not make two problems look alike.
    func withoutPlaceNames(_ text: String) -> String {
        var result = text
        for index in matcher.matches(in: text).sorted(by: { entries[$0].name.count > entries[$1].name.count }) {
            result = result.replacingOccurrences(of: entries[index].name, with: "，")
        }
        return result
    }

    /// The villages, communities and roads the address and text name (canonical names, sorted, each
    /// once): what makes two reports "at the same place" inside a town.
    func namedPlaces(address: String?, text: String) -> [String] {
        var names = Set<String>()
        for haystack in [address, text] {
            guard let haystack else { continue }
            for index in matcher.matches(in: haystack) where entries[index].kind != .town {
                names.insert(entries[index].canonical)
            }
        }
        return names.sorted()
    }
}
