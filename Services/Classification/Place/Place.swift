/// Where an event happened in the region: town/street (镇/街道), village/community (村/社区), grid (网格).
struct Place: Sendable, Equatable {
    enum Basis: String, Sendable {
        /// The reported coordinates fall in the region map's polygon.
        case coordinates
        /// A name in the address.
        case address
        /// A name in the text.
        case text
    }

    var town: String
    var village: String?
    var grid: String?
    var basis: Basis

    init(town: String, village: String? = nil, grid: String? = nil, basis: Basis = .text) {
        self.town = town
        self.village = village
        self.grid = grid
        self.basis = basis
    }
}
