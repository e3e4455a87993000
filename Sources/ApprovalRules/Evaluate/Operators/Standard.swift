// Placeholder families until the JSON Logic operators land (replaced file by file).
extension Operators {
    static let logic: [OperatorSpec] = []
    static let comparison: [OperatorSpec] = []
    static let arithmetic: [OperatorSpec] = []
    static let arrays: [OperatorSpec] = []
    static let strings: [OperatorSpec] = []
    static let data: [OperatorSpec] = []
}
