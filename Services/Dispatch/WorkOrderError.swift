/// Why an action on a work order was refused; the API answers each with its own status code.
enum WorkOrderError: Error, Equatable, CustomStringConvertible {
    /// No such work order (404).
    case notFound(String)
    /// The caller may not do this to this order (403).
    case forbidden(String)
    /// The order's status does not allow it (409).
    case illegalTransition(IllegalTransition)
    /// A value in the request is missing or wrong (400).
    case invalidField(field: String, message: String)
    /// What is asked for exists already (409), e.g. a second task for one hotspot.
    case conflict(String)

    var description: String {
        switch self {
        case .notFound(let id): "no work order \(id)"
        case .forbidden(let message): message
        case .illegalTransition(let transition): transition.description
        case .invalidField(_, let message): message
        case .conflict(let message): message
        }
    }
}
