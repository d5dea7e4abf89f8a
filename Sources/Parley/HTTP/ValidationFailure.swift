import Vapor

/// A 422 answered in FastAPI's shape: `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`,
/// so clients written against FastAPI servers parse it unchanged.
public struct ValidationFailure: Error, Sendable {
    public struct Issue: Sendable, Encodable {
        public var loc: [JSONValue]
        public var msg: String
        public var type: String

        public init(loc: [JSONValue], msg: String, type: String) {
            self.loc = loc
            self.msg = msg
            self.type = type
        }
    }

    public var issues: [Issue]

    public init(_ issues: [Issue]) { self.issues = issues }

    public init(loc: [JSONValue], msg: String, type: String) {
        self.issues = [Issue(loc: loc, msg: msg, type: type)]
    }

    static func missing(_ loc: [JSONValue]) -> Self {
        .init(loc: loc, msg: "Field required", type: "missing")
    }

    static func tooShort(_ loc: [JSONValue], min: Int) -> Self {
        .init(loc: loc, msg: "String should have at least \(min) character\(min == 1 ? "" : "s")", type: "string_too_short")
    }

    static func tooLong(_ loc: [JSONValue], max: Int) -> Self {
        .init(loc: loc, msg: "String should have at most \(max) characters", type: "string_too_long")
    }

    /// Maps a `DecodingError` from a request body onto FastAPI's locations and types.
    init(decoding error: DecodingError, location: String = "body") {
        func path(_ codingPath: [any CodingKey]) -> [JSONValue] {
            [.string(location)] + codingPath.map { key in
                key.intValue.map { .number(Double($0)) } ?? .string(key.stringValue)
            }
        }
        switch error {
        case let .keyNotFound(key, context):
            self = .missing(path(context.codingPath + [key]))
        case let .valueNotFound(type, context):
            self.init(loc: path(context.codingPath), msg: "Input should be \(Self.describe(type))",
                      type: Self.typeCode(type))
        case let .typeMismatch(type, context):
            self.init(loc: path(context.codingPath), msg: "Input should be \(Self.describe(type))",
                      type: Self.typeCode(type))
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty {
                self.init(loc: [.string(location)], msg: "JSON decode error", type: "json_invalid")
            } else {
                self.init(loc: path(context.codingPath), msg: "Input is invalid", type: "value_error")
            }
        @unknown default:
            self.init(loc: [.string(location)], msg: "Invalid input", type: "value_error")
        }
    }

    private static func typeCode(_ type: Any.Type) -> String {
        switch describe(type) {
        case "a valid string": "string_type"
        case "a valid integer": "int_type"
        case "a valid number": "float_type"
        case "a valid boolean": "bool_type"
        case "a valid list": "list_type"
        default: "model_attributes_type"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "a valid string"
        case is Int.Type, is Int?.Type: "a valid integer"
        case is Double.Type, is Double?.Type: "a valid number"
        case is Bool.Type, is Bool?.Type: "a valid boolean"
        case is [Any].Type: "a valid list"
        default: "a valid dictionary"
        }
    }
}
