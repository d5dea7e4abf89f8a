import Foundation
import Vapor

/// OpenAI's Chat Completions API (`POST /v1/chat/completions`, `GET /v1/models`), so OpenAI's
/// clients and the tools built on them work with `base_url=http://HOST:PORT/v1`. Signed in by an
/// API key (or a token). A turn goes through the one engine (`ParleyServices.startTurn`) like
/// `POST /api/chat`: stateless unless `X-Parley-Conversation` names a conversation (or `new`),
/// and then stored like any turn. Errors are OpenAI's shape (`OpenAIErrorMiddleware`).
struct OpenAIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let v1 = routes.grouped("v1").grouped(OpenAIErrorMiddleware()).grouped(UserAuthenticator())
        v1.post("chat", "completions", use: completions)
        v1.get("models", use: models)
    }

    @Sendable
    func models(request: Request) async throws -> OpenAIModelList {
        let provider = request.application.parley.chat.provider
        let ids = try await provider.listModels()
        return OpenAIModelList(data: ids.map { .init(id: $0, owned_by: provider.name) })
    }

    @Sendable
    func completions(request: Request) async throws -> Response {
        let parley = request.application.parley
        let user = try request.requireUser()
        if let wait = await parley.chatLimiter.acquire(["chat:\(user.id)"]) {
            throw Abort.tooManyRequests(retryAfter: wait, "Too many chat requests")
        }
        let conversation = try ParleyConversationHeader(request)
        let body = try request.decodeJSON(OpenAIChatRequest.self)
        let input = try body.validated(conversation: conversation)
        guard !parley.replies.isDraining else { throw Abort.shuttingDown }

        guard case let .started(turn, run) = try await parley.startTurn(
            input, user: user, idempotency: nil, logger: request.logger, on: request.db)
        else { throw Abort(.internalServerError) }  // only an idempotency key attaches or replays
        let head = OpenAIChunkHead(
            id: "chatcmpl-" + turn.replyID.lowercasedString, created: Int(turn.acceptedAt.timeIntervalSince1970), model: turn.request.model)
        var headers = HTTPHeaders()
        if turn.isStored { headers.replaceOrAdd(name: ParleyConversationHeader.name, value: turn.conversationID.lowercasedString) }

        guard input.stream else {
            let reply = try await CollectedReply.answer(run.events(after: 0))
            let completion = OpenAICompletion(
                id: head.id, created: head.created, model: reply.model,
                choices: [.init(message: .init(content: reply.response), finish_reason: reply.finishReason(maxTokens: turn.request.maxTokens))],
                usage: OpenAIUsage(reply.usage))
            let response = try await completion.encodeResponse(for: request)
            response.headers.add(contentsOf: headers)
            return response
        }
        return try await OpenAIStream.response(
            run.events(after: 0), head: head, includeUsage: body.includeUsage, maxTokens: turn.request.maxTokens,
            keepAlive: parley.keepAlive, headers: headers)
    }
}

/// What every chunk of one answer repeats.
struct OpenAIChunkHead: Sendable {
    var id: String
    var created: Int
    var model: String

    func chunk(_ delta: OpenAIChunk.Choice.Delta, finish: String? = nil) -> OpenAIChunk {
        OpenAIChunk(id: id, created: created, model: model, choices: [.init(delta: delta, finish_reason: finish)])
    }
}
