import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A reply's events as OpenAI's stream: `chat.completion.chunk`s, a last one with
/// `finish_reason`, with `stream_options.include_usage` a chunk with `usage` and no choices,
/// then `data: [DONE]`. The reply's first event is awaited before answering, so a provider that
/// fails before its first word answers a plain error status (which OpenAI's clients raise as
/// their typed errors); a failure after it ends the stream with an `{"error": …}` event.
enum OpenAIStream {
    static func response(
        _ events: ReplyEvents, head: OpenAIChunkHead, includeUsage: Bool, maxTokens: Int,
        keepAlive: Duration, headers: HTTPHeaders
    ) async throws -> Response {
        let reader = EventReader(events)
        var first = await reader.next()
        while case .start? = first?.event { first = await reader.next() }
        if case let .failed(error)? = first?.event { throw error }
        let opening = first

        var responseHeaders = StreamedReply.headers
        responseHeaders.add(contentsOf: headers)
        let response = Response(status: .ok, headers: responseHeaders)
        response.body = .init(asyncStream: { writer in
            let sse = SSEWriter(writer)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await sse.send(head.chunk(.init(role: "assistant", content: "")))
                        var event = opening
                        while let current = event {
                            guard try await send(current.event, head: head, includeUsage: includeUsage, maxTokens: maxTokens, to: sse) else { break }
                            event = await reader.next()
                        }
                        try await sse.raw("data: [DONE]\n\n")
                    } catch {}
                }
                group.addTask { try? await sse.keepAlive(every: keepAlive) }
                await group.next()
                group.cancelAll()
            }
            await sse.end()
        })
        return response
    }

    /// Sends one event's chunks; false once the answer is over.
    private static func send(_ event: ReplyEvent, head: OpenAIChunkHead, includeUsage: Bool, maxTokens: Int, to sse: SSEWriter) async throws -> Bool {
        switch event {
        case .start:
            return true
        case let .delta(text):
            try await sse.send(head.chunk(.init(content: String(text))))
            return true
        case let .finished(_, reply):
            try await sse.send(head.chunk(.init(), finish: reply.finishReason(maxTokens: maxTokens)))
            if includeUsage {
                try await sse.send(OpenAIChunk(id: head.id, created: head.created, model: head.model, choices: [], usage: OpenAIUsage(reply.usage)))
            }
            return false
        case let .failed(error):
            try await sse.send(OpenAIErrorBody.from(error).2)
            return false
        }
    }
}

/// One consumer's iterator over a reply's events, shared between the handler (which reads the
/// first) and the response body (which reads the rest), never both at once.
private final class EventReader: @unchecked Sendable {
    private var iterator: ReplyEvents.AsyncIterator
    private let lock = NIOLock()

    init(_ events: ReplyEvents) {
        iterator = events.makeAsyncIterator()
    }

    func next() async -> NumberedEvent? {
        // Reads are sequential by construction (see above); the lock only guards the handover.
        var copy = lock.withLock { iterator }
        let event = await copy.next()
        lock.withLock { iterator = copy }
        return event
    }
}
