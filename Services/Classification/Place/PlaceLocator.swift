import MinshengModel

/// Places an event: coordinates first (the region map), then names in the address and text (the
/// gazetteer). When both work the coordinates win, but a village named in the address fills in a
/// village the map does not have.
struct PlaceLocator: Sendable {
    let map: RegionMap
    let gazetteer: Gazetteer

    func locate(location: GeoPoint?, address: String?, text: String) -> Place? {
        let named = gazetteer.place(address: address, text: text)
        if let location, var place = map.place(of: location) {
            if place.village == nil, let named, named.town == place.town { place.village = named.village }
            return place
        }
        return named
    }
}
