import ApprovalJSON

extension JSONValue {
    /// Follows object keys and array indices; `nil` when a step does not exist.
    func lookup(_ path: ArraySlice<String>) -> JSONValue? {
        var current = self
        for key in path {
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(key), index >= 0, index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
