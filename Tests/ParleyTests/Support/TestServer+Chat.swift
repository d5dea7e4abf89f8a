import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import Testing
import Vapor
@testable import Parley

extension TestServer {
    /// Posts a chat and reads the whole event stream.
    func streamChat(token: String, json: [String: Any], headers: [(String, String)] = []) async throws -> (status: HTTPResponseStatus, headers: HTTPHeaders, events: [String]) {
        let response = try await send(.POST, "/api/chat", token: token, json: json, headers: headers)
        let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        return (response.status, response.headers, events)
    }

    /// Posts a streamed chat, reads until `deltas` delta events arrived, then hangs up.
    func streamChatAndLeave(token: String, json: [String: Any], afterDeltas deltas: Int, headers: [(String, String)] = []) async throws -> [String] {
        var request = HTTPClientRequest(url: base + "/api/chat")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        // A client of its own, so hanging up really closes the connection.
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        var text = ""
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.components(separatedBy: #""type":"delta""#).count - 1 >= deltas { break }
            }
        } catch {}
        try await client.shutdown()
        return text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
    }

    /// Polls until `condition` holds (for effects that complete after a response, like storing a
    /// turn whose client has left); fails the test after ten seconds.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("never happened: \(what)")
    }

}

/// The JSON of one event's `data:` line.
func eventJSON(_ event: String) -> [String: Any] {
    guard let data = event.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8))) as? [String: Any] ?? [:]
}

/// The number on one event's `id:` line.
func eventID(_ event: String) -> Int? {
    event.split(separator: "\n").first { $0.hasPrefix("id: ") }.flatMap { Int($0.dropFirst(4)) }
}
