import Vapor

/// Reading hostile input: every failure becomes a 422 in FastAPI's shape, never a 400 or 500.
extension Request {
    /// Decodes the body as JSON whatever the declared content type, as FastAPI does.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        guard let body = body.data, body.readableBytes > 0 else {
            throw ValidationFailure.missing(["body"])
        }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw ValidationFailure(decoding: error)
        }
    }

    /// A path parameter that must be a UUID.
    func uuidParameter(_ name: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(canonicalText: raw) else {
            throw ValidationFailure(
                loc: ["path", .string(name)], msg: "Input should be a valid UUID", type: "uuid_parsing")
        }
        return id
    }

    /// `?skip=&limit=` with the contract's bounds.
    func page(defaultLimit: Int = Limits.Page.defaultLimit) throws -> Page {
        let skip = try integerQuery("skip", default: 0, range: Limits.Page.skip)
        let limit = try integerQuery("limit", default: defaultLimit, range: Limits.Page.limit)
        return Page(skip: skip, limit: limit)
    }

    func integerQuery(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = query[String.self, at: name] else { return value }
        guard let number = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationFailure(
                loc: ["query", .string(name)], msg: "Input should be a valid integer, unable to parse string as an integer",
                type: "int_parsing")
        }
        if number < range.lowerBound {
            throw ValidationFailure(
                loc: ["query", .string(name)], msg: "Input should be greater than or equal to \(range.lowerBound)",
                type: "greater_than_equal")
        }
        if number > range.upperBound {
            throw ValidationFailure(
                loc: ["query", .string(name)], msg: "Input should be less than or equal to \(range.upperBound)",
                type: "less_than_equal")
        }
        return number
    }
}

/// One page of a list.
struct Page: Sendable {
    var skip: Int
    var limit: Int
}

/// A list answered as a plain JSON array with its total in `X-Total-Count`.
struct PagedList<Item: Content>: AsyncResponseEncodable {
    var items: [Item]
    var total: Int

    func encodeResponse(for request: Request) async throws -> Response {
        let response = try await items.encodeResponse(for: request)
        response.headers.replaceOrAdd(name: "X-Total-Count", value: String(total))
        return response
    }
}

/// Text checks shared by every stored field: lengths count code points, as the contract says.
enum TextRule {
    /// Trims, then enforces `length` in code points (one of `Limits`); NUL is refused because
    /// PostgreSQL cannot store it.
    static func check(_ value: String, at loc: [JSONValue], length: ClosedRange<Int>, trim: Bool = false) throws -> String {
        let text = trim ? value.trimmingCharacters(in: .whitespacesAndNewlines) : value
        let count = text.unicodeScalars.count
        if count < length.lowerBound { throw ValidationFailure.tooShort(loc, min: length.lowerBound) }
        if count > length.upperBound { throw ValidationFailure.tooLong(loc, max: length.upperBound) }
        if text.unicodeScalars.contains("\u{0}") {
            throw ValidationFailure(loc: loc, msg: "String should not contain NUL characters", type: "string_pattern_mismatch")
        }
        return text
    }
}
