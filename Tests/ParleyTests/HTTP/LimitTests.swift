import Foundation
import Testing
import Vapor
@testable import Parley
#if canImport(Glibc)
import Glibc
#endif

/// Every limit the API states (`Limits`), checked at its edges over HTTP against the real app,
/// and in `/openapi.json`: the largest value is taken and one more is refused with the
/// documented status and shape (and the same at the smallest, where there is one). A new limit
/// is one more line in `LimitTests.cases`.
@Suite struct LimitTests {
    static let cases: [LimitCase] = [
        // Accounts
        .init("sign-up password", Limits.User.password, .length, ["body", "password"], accepted: .status(.created),
              documented: [schema("UserSignup", "password")]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/users/signup", json: ["email": unique(), "password": text(n)])
        },
        .init("new user's password (superuser)", Limits.User.password, .length, ["body", "password"], accepted: .status(.created),
              documented: [schema("UserCreate", "password"), schema("UserUpdate", "password")]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/users/", token: probe.admin, json: ["email": unique(), "password": text(n)])
        },
        .init("new password", Limits.User.password, .length, ["body", "new_password"], accepted: .status(.ok),
              documented: [schema("PasswordChange", "new_password")]) { probe, n in
            // A user of its own each time: a change that succeeds changes the current password.
            let token = try await probe.server.user(unique())
            return try await probe.server.send(.PATCH, "/api/v1/users/me/password", token: token,
                                               json: ["current_password": "password123", "new_password": text(n)])
        },
        .init("full name at sign-up", Limits.User.fullName, .length, ["body", "full_name"], accepted: .status(.created),
              documented: [schema("UserSignup", "full_name", anyOf: 0), schema("UserCreate", "full_name", anyOf: 0)]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/users/signup", json: ["email": unique(), "password": "password123", "full_name": text(n)])
        },
        .init("full name of the signed-in user", Limits.User.fullName, .length, ["body", "full_name"], accepted: .status(.ok),
              documented: [schema("UserUpdateMe", "full_name", anyOf: 0), schema("UserUpdate", "full_name", anyOf: 0)]) { probe, n in
            try await probe.server.send(.PATCH, "/api/v1/users/me", token: probe.ann, json: ["full_name": text(n)])
        },
        .init("email (bytes)", 0...Limits.User.emailBytes, .length, ["body", "email"], accepted: .status(.created),
              documented: [schema("UserSignup", "email")], checksMinimum: false) { probe, n in
            try await probe.server.send(.POST, "/api/v1/users/signup", json: ["email": email(bytes: n), "password": "password123"])
        },
        .init("monthly token budget", Limits.User.monthlyTokenBudget, .value, ["body", "monthly_token_budget"], accepted: .status(.ok),
              documented: [schema("UserUpdate", "monthly_token_budget", anyOf: 0)]) { probe, n in
            try await probe.server.send(.PATCH, "/api/v1/users/\(probe.annID)", token: probe.admin, json: ["monthly_token_budget": n])
        },
        // Signing in: an unknown account is a 400, so the edge shows as 400 against 422.
        .init("login username", Limits.Login.username, .length, ["body", "username"], accepted: .status(.badRequest),
              documented: [schema("LoginJSON", "username"), schema("LoginForm", "username")]) { probe, n in
            try await probe.server.send(.POST, "/token", json: ["username": text(n), "password": "password123"])
        },
        .init("login password", Limits.Login.password, .length, ["body", "password"], accepted: .status(.badRequest),
              documented: [schema("LoginJSON", "password"), schema("LoginForm", "password")]) { probe, n in
            try await probe.server.send(.POST, "/token", json: ["username": "nobody@example.com", "password": text(n)])
        },
        // Conversations
        .init("title of a new conversation", Limits.Conversation.title, .length, ["body", "title"], accepted: .status(.created),
              documented: [schema("ConversationCreate", "title", anyOf: 0)]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/conversations/", token: probe.ann, json: ["title": text(n)])
        },
        .init("new title", Limits.Conversation.title, .length, ["body", "title"], accepted: .status(.ok),
              documented: [schema("ConversationUpdate", "title")]) { probe, n in
            let id = try await probe.conversation()
            return try await probe.server.send(.PATCH, "/api/v1/conversations/\(id)", token: probe.ann, json: ["title": text(n)])
        },
        // No provider lists a 200-character model, so the longest name passes the length rule and
        // is then refused as not one of the provider's models.
        .init("conversation's model", Limits.Conversation.model, .length, ["body", "model"], accepted: .refused(type: "enum"),
              documented: [schema("ConversationCreate", "model", anyOf: 0), schema("ConversationUpdate", "model", anyOf: 0)]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/conversations/", token: probe.ann, json: ["model": text(n)])
        },
        // Chat
        .init("message content", Limits.Chat.content, .length, ["body", "messages", "0", "content"], accepted: .status(.ok),
              documented: [schema("ChatMessage", "content")]) { probe, n in
            try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": [["role": "user", "content": text(n)]]])
        },
        .init("messages in a turn", Limits.Chat.messages, .items, ["body", "messages"], accepted: .status(.ok),
              documented: [schema("ChatRequest", "messages")], checksMinimum: false) { probe, n in
            let messages = (0..<n).map { _ in ["role": "user", "content": "x"] }
            return try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": messages])
        },
        .init("chat's model", Limits.Conversation.model, .length, ["body", "model"], accepted: .status(.ok),
              documented: [schema("ChatRequest", "model")]) { probe, n in
            try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": hello, "model": text(n)])
        },
        .init("temperature", Int(Limits.Chat.temperature.lowerBound)...Int(Limits.Chat.temperature.upperBound), .value,
              ["body", "options", "temperature"], accepted: .status(.ok),
              documented: [schema("ChatRequest", "options", "temperature"), schema("OpenAIChatRequest", "temperature")]) { probe, n in
            try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": hello, "options": ["temperature": Double(n)]])
        },
        .init("max_tokens", Limits.Chat.minimumMaxTokens...Int(Int32.max), .value, ["body", "options", "max_tokens"], accepted: .status(.ok),
              documented: [schema("ChatRequest", "options", "max_tokens"), schema("OpenAIChatRequest", "max_tokens")], checksMaximum: false) { probe, n in
            try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": hello, "options": ["max_tokens": n]])
        },
        .init("Idempotency-Key (bytes)", Limits.Chat.idempotencyKeyBytes, .length, ["header", "idempotency-key"], accepted: .status(.ok),
              documented: [parameter("/api/chat", "post", "Idempotency-Key")]) { probe, n in
            try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": hello],
                                        headers: [("Idempotency-Key", String(repeating: "k", count: n))])
        },
        .init("event to resume after", Limits.Chat.after, .value, ["query", "after"], accepted: .status(.ok),
              documented: [parameter("/api/chat/{message_id}/stream", "get", "after")]) { probe, n in
            let chat = try await probe.server.send(.POST, "/api/chat", token: probe.ann, json: ["messages": hello])
            let reply = try #require(chat.object["message_id"] as? String)
            return try await probe.server.send(.GET, "/api/chat/\(reply)/stream?after=\(n)", token: probe.ann)
        },
        .init("stop sequences (OpenAI)", 0...Limits.Chat.maxStopSequences, .items, nil, accepted: .status(.ok),
              documented: [schema("OpenAIChatRequest", "stop", anyOf: 1)], checksMinimum: false) { probe, n in
            try await probe.server.send(.POST, "/v1/chat/completions", token: probe.ann,
                                        json: ["messages": hello, "stop": (0..<n).map { "stop\($0)" }])
        },
        // Lists and search
        .init("page size", Limits.Page.limit, .value, ["query", "limit"], accepted: .status(.ok),
              documented: [parameter("/api/v1/conversations/", "get", "limit"), parameter("/api/v1/users/", "get", "limit"),
                           parameter("/api/v1/conversations/{conversation_id}/messages", "get", "limit"),
                           parameter("/api/v1/audit", "get", "limit")]) { probe, n in
            try await probe.server.send(.GET, "/api/v1/conversations/?limit=\(n)", token: probe.ann)
        },
        .init("skip", Limits.Page.skip, .value, ["query", "skip"], accepted: .status(.ok),
              documented: [parameter("/api/v1/conversations/", "get", "skip"), parameter("/api/v1/search", "get", "skip")]) { probe, n in
            try await probe.server.send(.GET, "/api/v1/conversations/?skip=\(n)", token: probe.ann)
        },
        .init("search text", Limits.Search.query, .length, ["query", "q"], accepted: .status(.ok),
              documented: [parameter("/api/v1/search", "get", "q")]) { probe, n in
            let q = text(n).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return try await probe.server.send(.GET, "/api/v1/search?q=\(q)", token: probe.ann)
        },
        .init("search page size", Limits.Search.limit, .value, ["query", "limit"], accepted: .status(.ok),
              documented: [parameter("/api/v1/search", "get", "limit")]) { probe, n in
            try await probe.server.send(.GET, "/api/v1/search?q=hello&limit=\(n)", token: probe.ann)
        },
        // API keys
        .init("API key name", Limits.APIKey.name, .length, ["body", "name"], accepted: .status(.created),
              documented: [schema("APIKeyCreate", "name")]) { probe, n in
            try await probe.server.send(.POST, "/api/v1/users/me/api-keys", token: probe.ann, json: ["name": text(n)])
        },
        // Bodies: a body of exactly `n` bytes whose JSON is valid, so the largest one is created.
        .init("request body (bytes)", 0...Limits.bodyBytes, .bytes, nil, accepted: .status(.created), checksMinimum: false) { probe, n in
            let json = #"{"title": "x"}"#
            return try await probe.server.send(.POST, "/api/v1/conversations/", token: probe.ann,
                                               body: json + String(repeating: " ", count: n - json.utf8.count),
                                               headers: [("Content-Type", "application/json")])
        },
    ]

    @Test(arguments: cases)
    func theEdgesOfEveryLimitHoldOverHTTP(_ limit: LimitCase) async throws {
        try await withChatServer { server, _ in
            let probe = try await Probe.make(server)
            var edges = [(limit.limit.upperBound, true), (limit.limit.upperBound + 1, false)]
            if limit.checksMaximum == false { edges = [] }
            if limit.checksMinimum {
                edges += [(limit.limit.lowerBound, true), (limit.limit.lowerBound - 1, false)]
            }
            for (n, taken) in edges {
                let response = try await limit.send(probe, n)
                if taken {
                    switch limit.accepted {
                    case let .status(status):
                        #expect(response.status == status, "\(limit.testDescription) = \(n): \(response.text.prefix(300))")
                    case let .refused(type):
                        #expect(response.status == .unprocessableEntity && response.firstIssue?.type == type,
                                "\(limit.testDescription) = \(n): \(response.text.prefix(300))")
                    }
                } else {
                    limit.expectRefused(response, n)
                }
            }
        }
    }

    @Test(arguments: cases.filter { !$0.documented.isEmpty })
    func theDocumentStatesEveryLimitAsTheServerChecksIt(_ limit: LimitCase) async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(OpenAPIDocument.document)) as? [String: Any])
        let (minKey, maxKey) = limit.measure.keys
        for path in limit.documented {
            let schema = try #require(Self.resolve(path, in: document) as? [String: Any], "\(path) is not in the document")
            if limit.checksMaximum {
                #expect((schema[maxKey] as? NSNumber)?.intValue == limit.limit.upperBound, "\(path) \(maxKey): \(schema)")
            }
            if limit.checksMinimum {
                #expect((schema[minKey] as? NSNumber)?.intValue == limit.limit.lowerBound, "\(path) \(minKey): \(schema)")
            }
        }
    }

    /// The page refuses, in words, a message over the server's limit; it cannot import the
    /// Swift constant, so this holds the two together.
    @Test func thePageKnowsTheServersContentLimit() throws {
        let script = try #require(WebAssets.bundled.assets["limits.js"]).body
        let text = String(buffer: script)
        let match = try #require(text.firstMatch(of: /export const MAX_MESSAGE_LENGTH = ([0-9_]+);/))
        #expect(Int(match.1.replacingOccurrences(of: "_", with: "")) == Limits.Chat.content.upperBound)
    }

    /// An import over its limit is refused from its `Content-Length`, before a byte of it is read;
    /// one of exactly the limit is read (no 413 comes back while the body has yet to arrive).
    /// Sending the 512 MiB themselves would cost the suite more than it proves.
    @Test func anImportIsRefusedPastItsLimitOnly() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            let port = try #require(URLComponents(string: server.base)?.port)
            func head(_ length: Int) -> String {
                "POST /api/v1/conversations/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ann)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(length)\r\n\r\n["
            }
            let overHead = head(Limits.importBytes + 1), atHead = head(Limits.importBytes)
            let over = await Task.detached { Self.firstAnswer(port: port, sending: overHead, wait: 10) }.value
            let answer = try #require(over, "no answer to an import over the limit")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains(#"{"detail":"An import may be at most \#(Limits.importBytes >> 20) MiB"}"#), "\(answer)")
            let atLimit = await Task.detached { Self.firstAnswer(port: port, sending: atHead, wait: 1) }.value
            #expect(atLimit == nil, "\(atLimit ?? "")")
        }
    }

    // MARK: Support

    /// Connects, sends `bytes`, and returns what the server answers within `wait` seconds (nil:
    /// nothing yet).
    private static func firstAnswer(port: Int, sending bytes: String, wait: Int) -> String? {
        withLoopbackSocket(port: port, readTimeout: wait) { socket in
            _ = bytes.withCString { send(socket, $0, strlen($0), 0) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }
    }

    /// Follows `path` into the document; in an array, a name picks the parameter of that name and
    /// a number the element at that index.
    private static func resolve(_ path: [String], in document: Any) -> Any? {
        var node: Any? = document
        for key in path {
            switch node {
            case let object as [String: Any]:
                node = object[key]
            case let array as [Any]:
                if let index = Int(key) {
                    node = array.indices.contains(index) ? array[index] : nil
                } else {
                    node = array.first { ($0 as? [String: Any])?["name"] as? String == key }
                }
            default:
                return nil
            }
        }
        return node
    }
}

/// One limit: its range, how it is measured, how to send a value of size `n`, and where the
/// document states it.
struct LimitCase: Sendable, CustomTestStringConvertible {
    enum Measure: Sendable {
        case length, items, value, bytes

        var keys: (String, String) {
            switch self {
            case .length, .bytes: ("minLength", "maxLength")
            case .items: ("minItems", "maxItems")
            case .value: ("minimum", "maximum")
            }
        }
    }

    enum Accepted: Sendable {
        case status(HTTPResponseStatus)
        /// Passes this limit, and is refused by the next rule with this type.
        case refused(type: String)
    }

    let testDescription: String
    let limit: ClosedRange<Int>
    let measure: Measure
    /// Where a 422 names the field; nil: the route answers another shape (413, or OpenAI's 400).
    let loc: [String]?
    let accepted: Accepted
    let documented: [[String]]
    let checksMinimum: Bool
    let checksMaximum: Bool
    let send: @Sendable (Probe, Int) async throws -> TestResponse

    init(
        _ name: String, _ limit: ClosedRange<Int>, _ measure: Measure, _ loc: [String]?, accepted: Accepted,
        documented: [[String]] = [], checksMinimum: Bool? = nil, checksMaximum: Bool = true,
        send: @escaping @Sendable (Probe, Int) async throws -> TestResponse
    ) {
        testDescription = name
        self.limit = limit
        self.measure = measure
        self.loc = loc
        self.accepted = accepted
        self.documented = documented
        // A lower bound of 0 has nothing below it to refuse.
        self.checksMinimum = checksMinimum ?? (limit.lowerBound > 0)
        self.checksMaximum = checksMaximum
        self.send = send
    }

    /// Refused with the contract's status and shape.
    func expectRefused(_ response: TestResponse, _ n: Int) {
        let what = "\(testDescription) = \(n): \(response.text.prefix(300))"
        switch (measure, loc) {
        case (.bytes, _):
            #expect(response.status == .payloadTooLarge, "\(what)")
            #expect(response.detail?.isEmpty == false, "\(what)")
        case let (_, loc?):
            #expect(response.status == .unprocessableEntity, "\(what)")
            #expect(response.object["detail"] is [[String: Any]], "\(what)")
            #expect(response.firstIssue?.loc == loc, "\(what)")
        case (_, nil):
            // The OpenAI-compatible routes answer in OpenAI's shape.
            #expect(response.status == .badRequest, "\(what)")
            #expect((response.object["error"] as? [String: Any])?["message"] is String, "\(what)")
        }
    }
}

/// What the cases send with: a server with a fake provider, a signed-in user and the superuser.
struct Probe: Sendable {
    let server: TestServer
    let ann: String
    let annID: String
    let admin: String

    static func make(_ server: TestServer) async throws -> Probe {
        let ann = try await server.user("ann@example.com")
        let me = try await server.send(.GET, "/api/v1/users/me", token: ann)
        return Probe(server: server, ann: ann, annID: try #require(me.object["id"] as? String), admin: try await server.adminToken())
    }

    func conversation() async throws -> String {
        let created = try await server.send(.POST, "/api/v1/conversations/", token: ann)
        return try #require(created.object["id"] as? String)
    }
}

private let hello = [["role": "user", "content": "Hello"]]

/// `n` code points, each two bytes in UTF-8: the limits count code points, not bytes.
private func text(_ n: Int) -> String { String(repeating: "é", count: n) }

private func unique() -> String { "u\(UUID().uuidString.prefix(8).lowercased())@example.com" }

/// A valid address of exactly `bytes` bytes (at least 70).
private func email(bytes: Int) -> String {
    let local = String(repeating: "a", count: Limits.User.emailLocalPartBytes)
    return local + "@" + String(repeating: "d", count: bytes - local.count - 1 - 4) + ".com"
}

private func schema(_ name: String, _ property: String, _ nested: String? = nil, anyOf: Int? = nil) -> [String] {
    var path = ["components", "schemas", name, "properties", property]
    if let nested { path += ["properties", nested] }
    if let anyOf { path += ["anyOf", String(anyOf)] }
    return path
}

private func parameter(_ route: String, _ method: String, _ name: String) -> [String] {
    ["paths", route, method, "parameters", name, "schema"]
}
