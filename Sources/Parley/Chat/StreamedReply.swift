import Vapor

/// The streamed response's sink: each event as an SSE `data:` line (API.md's `start`, `delta`,
/// `done`, `error`), and `: keep-alive` comments while the provider is silent.
struct StreamedReply: ChatTurnSink {
    let writer: SSEWriter
    let keepAliveInterval: Duration

    static let headers: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]

    /// A 200 `text/event-stream` response whose body `produce` writes through this sink.
    static func response(keepAlive: Duration, _ produce: @escaping @Sendable (StreamedReply) async -> Void) -> Response {
        let response = Response(status: .ok, headers: headers)
        response.body = .init(asyncStream: { writer in
            let sse = SSEWriter(writer)
            await produce(StreamedReply(writer: sse, keepAliveInterval: keepAlive))
            await sse.end()
        })
        return response
    }

    func send(_ event: ChatTurnEvent) async throws {
        do {
            switch event {
            case let .start(conversationID, messageID):
                try await writer.send(ChatStreamEvent.start(
                    conversationID: conversationID.lowercasedString, messageID: messageID.lowercasedString))
            case let .delta(text):
                try await writer.send(ChatStreamEvent.delta(text))
            case let .done(reply):
                try await writer.send(ChatStreamEvent.done(reply))
            case let .failed(error):
                try await writer.send(ChatStreamEvent.error((error.forClient as? any AbortError)?.reason ?? "Internal server error"))
            }
        } catch is SSEWriter.ClientDisconnected {
            throw ChatTurn.ClientGone()
        }
    }

    func keepAlive() async throws {
        do {
            try await writer.keepAlive(every: keepAliveInterval)
        } catch is SSEWriter.ClientDisconnected {
            throw ChatTurn.ClientGone()
        }
    }
}
