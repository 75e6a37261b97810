/// The person who made a change on behalf of a unit or the centre, as a trusted caller (the console)
/// names them: a staff member at the centre, or a handler of a unit (经办人). The unit is the `actor`;
/// this says who, so that every entry of a work order's timeline names a person as well as a unit.
public struct ActingPerson: Codable, Sendable, Equatable, Hashable {
    /// The person's account id at the caller, e.g. `zhang.wei`.
    public var id: String
    /// The name people read, e.g. `张伟`.
    public var name: String?

    public init(id: String, name: String? = nil) {
        self.id = id
        self.name = name
    }
}
