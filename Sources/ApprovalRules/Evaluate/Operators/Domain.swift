/// Domain operators (files, e-mail domains, dates, money, lists, separation of duties).
extension Operators {
    static let domain: [OperatorSpec] = []
}
