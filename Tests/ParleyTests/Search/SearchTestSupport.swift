import Foundation
import Testing
@testable import Parley

extension TestServer {
    /// `GET /api/v1/search?q=…` with `q` percent-encoded whatever it holds.
    func search(_ token: String, _ q: String, extra: String = "") async throws -> TestResponse {
        let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await send(.GET, "/api/v1/search?q=\(encoded)\(extra)", token: token)
    }

    /// Sends one user message (in a new conversation unless one is named) and returns the
    /// conversation's id once the reply is stored.
    @discardableResult
    func say(_ token: String, _ text: String, in conversationID: String? = nil) async throws -> String {
        var body: [String: Any] = ["messages": [["role": "user", "content": text]]]
        if let conversationID { body["conversation_id"] = conversationID }
        let response = try await send(.POST, "/api/chat", token: token, json: body)
        #expect(response.status == .ok, "chat: \(response.text)")
        return try #require(response.object["conversation_id"] as? String)
    }
}

/// The highlighted parts of a result's snippet.
func highlighted(_ result: [String: Any]) -> [String] {
    let snippet = Array((result["snippet"] as? String ?? "").unicodeScalars)
    return (result["highlights"] as? [[Int]] ?? []).map { range in
        var view = String.UnicodeScalarView()
        view.append(contentsOf: snippet[range[0]..<range[1]])
        return String(view)
    }
}
