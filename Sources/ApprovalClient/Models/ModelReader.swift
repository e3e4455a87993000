import ApprovalJSON

/// A response body whose shape is not what the API documents (a wrong type, a missing field).
///
/// ``APIClient`` turns it into ``APIError`` with code ``APIError/Code/invalidResponse``; it
/// reaches callers directly only from the models' own `init(json:)`.
///
/// ```swift
/// do { _ = try TaskFileList(json: ["files": []]) } catch let error as ModelError { print(error.path) }  // /task_id
/// ```
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the body, as a JSON Pointer (e.g. `/step_run/variables/2/variable_id`).
    public var path: String
    /// What is wrong there.
    public var message: String

    /// An error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `/path: message`.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// Reads documented fields out of one JSON object and ignores the rest, so that fields the API
/// adds later do no harm. Missing or `null` optional fields read as `nil`; a field of the wrong
/// type is a ``ModelError`` naming its path.
struct ModelReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String = "") throws(ModelError) {
        guard case .object(let object) = value else {
            throw ModelError(path: path, message: "expected an object, got \(value.typeName)")
        }
        self.object = object
        self.path = path
    }

    func pointer(_ key: String) -> String {
        path + "/" + key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(ModelError) -> String {
        guard let value = try optionalString(key) else {
            throw ModelError(path: pointer(key), message: "missing required string")
        }
        return value
    }

    func optionalString(_ key: String) throws(ModelError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else {
            throw ModelError(path: pointer(key), message: "expected a string, got \(value.typeName)")
        }
        return text
    }

    func integer(_ key: String) throws(ModelError) -> Int64 {
        guard let value = try optionalInteger(key) else {
            throw ModelError(path: pointer(key), message: "missing required integer")
        }
        return value
    }

    func optionalInteger(_ key: String) throws(ModelError) -> Int64? {
        guard let value = present(key) else { return nil }
        switch value {
        case .integer(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.0e15: return Int64(number)
        default: throw ModelError(path: pointer(key), message: "expected an integer, got \(value.typeName)")
        }
    }

    func strings(_ key: String) throws(ModelError) -> [String] {
        guard let value = present(key) else { return [] }
        guard case .array(let elements) = value else {
            throw ModelError(path: pointer(key), message: "expected an array, got \(value.typeName)")
        }
        var result: [String] = []
        for (at, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw ModelError(path: pointer(key) + "/\(at)", message: "expected a string, got \(element.typeName)")
            }
            result.append(text)
        }
        return result
    }

    /// The elements of an array of objects, each read with `read` (missing or `null`: none).
    func objects<Element>(_ key: String, _ read: (JSONValue, String) throws(ModelError) -> Element) throws(ModelError)
        -> [Element]
    {
        try optionalObjects(key, read) ?? []
    }

    /// Like ``objects(_:_:)`` but `nil` when the field is absent, to tell "not included" from empty.
    func optionalObjects<Element>(_ key: String, _ read: (JSONValue, String) throws(ModelError) -> Element)
        throws(ModelError) -> [Element]?
    {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else {
            throw ModelError(path: pointer(key), message: "expected an array, got \(value.typeName)")
        }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for (at, element) in elements.enumerated() {
            result.append(try read(element, pointer(key) + "/\(at)"))
        }
        return result
    }

    func optionalObject<Element>(_ key: String, _ read: (JSONValue, String) throws(ModelError) -> Element)
        throws(ModelError) -> Element?
    {
        guard let value = present(key) else { return nil }
        return try read(value, pointer(key))
    }
}
