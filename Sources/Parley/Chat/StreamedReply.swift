import Vapor

/// A reply's events as a streamed response: each as an SSE event with its `id:` line, and
/// `: keep-alive` comments while the model is silent. The response only reads the reply: a client
/// that leaves stops its own writing, never the reply.
enum StreamedReply {
    static let headers: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]

    static func response(_ events: ReplyEvents, keepAlive: Duration) -> Response {
        let response = Response(status: .ok, headers: headers)
        response.body = .init(asyncStream: { writer in
            let sse = SSEWriter(writer)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while let batch = await events.nextBatch() {
                        do { try await sse.send(batch) } catch { return }
                    }
                }
                group.addTask { try? await sse.keepAlive(every: keepAlive) }
                // Whichever ends first (the reply's last event, or the client gone) ends both.
                await group.next()
                group.cancelAll()
            }
            await sse.end()
        })
        return response
    }
}

/// A reply's events gathered for a JSON response: its end, as API.md's non-streamed answer.
enum CollectedReply {
    static func answer(_ events: ReplyEvents) async throws -> ChatResponse {
        for await numbered in events {
            switch numbered.event {
            case let .finished(_, reply): return reply
            case let .failed(error): throw error
            case .start, .delta: continue
            }
        }
        throw Abort(.internalServerError)
    }
}
