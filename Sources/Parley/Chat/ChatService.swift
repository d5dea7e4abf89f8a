import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The chat rules of API.md, callable without HTTP: ownership and the place of a turn in the
/// conversation's tree, the context the model sees, and accepting a turn (storing its messages
/// and its empty reply in one transaction) before the provider is called.
struct ChatService: Sendable {
    let provider: any LLMProvider
    let systemPrompt: String?
    let contextTokens: Int
    let defaultModel: String
    let metrics: ChatMetrics
    static let defaultMaxTokens = 512

    /// An accepted turn: what the provider is asked, and what removing the turn needs to undo.
    struct Turn: Sendable {
        let userID: UUID
        let conversationID: UUID
        let isNewConversation: Bool
        /// The turn's new messages (none for a regenerate), then its reply.
        let newMessageIDs: [UUID]
        let replyID: UUID
        /// The message the turn follows (nil: it starts a root).
        let parentID: UUID?
        /// The current branch's leaf before the turn.
        let previousLeaf: UUID?
        /// The title the turn gave the conversation, if it gave one.
        let title: String?
        /// When the turn was accepted, and the conversation's `updated_at` before it.
        let acceptedAt: Date
        let previousUpdatedAt: Date?
        let request: LLMRequest
        let droppedHistory: Int
        let idempotency: IdempotencyStore.Entry?
        /// False for a stateless turn: its `conversationID` names no row, and the reply's run
        /// saves, leases, stores and removes nothing (its clients read it from the run itself).
        var isStored = true

        /// The answer the API returns for this turn's reply.
        func response(text: String, completion: LLMCompletion?) -> ChatResponse {
            let usage = completion?.usage ?? TokenUsage(
                promptTokens: ContextWindow.estimateTokens(request.messages),
                completionTokens: max(0, ContextWindow.estimateTokens(LLMMessage(role: .assistant, content: text)) - 4))
            return ChatResponse(
                response: text, messageID: replyID.lowercasedString, conversationID: conversationID.lowercasedString,
                model: completion?.model ?? request.model, usage: usage)
        }
    }

    /// The same `Idempotency-Key` was used by a turn that was accepted: attach to its reply.
    struct KeyTaken: Error {}

    /// Stores the turn's new messages and an empty `streaming` reply in one transaction, claims its
    /// idempotency key in the same one, makes the turn the current branch, and reads the context
    /// the model will see. Throws `KeyTaken` when a racing request with the same key won.
    func accept(_ input: ValidChatRequest, userID: UUID, idempotency: IdempotencyStore.Entry?, owner: String,
                writer: DatabaseWriter, on db: any Database) async throws -> Turn {
        // The reply's room comes out of the budget first; it may take at most half of it.
        let maxTokens = maxReplyTokens(input)
        let budget = contextTokens - maxTokens
        let replyID = UUID()
        let newIDs = input.messages.map { _ in UUID() }
        guard input.isStored else { return statelessTurn(input, userID: userID, replyID: replyID, maxTokens: maxTokens) }
        return try await writer.transaction(on: db) { tx in
            if let idempotency, try await !IdempotencyStore.claim(idempotency, userID: userID, messageID: replyID, on: tx) {
                throw KeyTaken()
            }
            let now = Date()
            let conversationID = input.conversationID ?? UUID()
            var parentID: UUID?
            var previousLeaf: UUID?
            var title: String?
            var previousUpdatedAt: Date?
            var conversationModel: String?
            var position = 0
            // Regenerate: the parent user message is the turn's "new" message for the context budget.
            var regenerated: MessageStore.ContextMessage?
            if input.conversationID == nil {
                title = input.messages.first { $0.role == .user }.flatMap { ConversationTitle.from($0.content) }
                try await ConversationStore.insert(ConversationRow(
                    id: conversationID, userID: userID, title: title ?? ConversationRow.defaultTitle,
                    createdAt: now, updatedAt: now, currentMessageID: replyID), on: tx)
            } else {
                guard let before = try await ConversationStore.lockForTurn(conversationID, ownerID: userID, on: tx) else {
                    throw Abort.resourceNotFound
                }
                // An untitled conversation is named after its first question (read only then).
                if before.title == ConversationRow.defaultTitle {
                    let firstUser = try await MessageStore.firstUserContent(of: conversationID, on: tx)
                        ?? input.messages.first { $0.role == .user }?.content
                    title = firstUser.flatMap(ConversationTitle.from)
                }
                try await ConversationStore.touch(conversationID, titleIfUntitled: title, current: replyID, at: now, on: tx)
                previousLeaf = before.currentMessageID
                previousUpdatedAt = before.updatedAt
                conversationModel = before.model
                switch input.parent {
                case .currentBranch:
                    parentID = previousLeaf
                case .root:
                    parentID = nil
                case let .message(id):
                    guard let node = try await MessageStore.node(id, in: conversationID, on: tx) else { throw Abort.resourceNotFound }
                    if input.messages.isEmpty {
                        guard node.role == .user else {
                            throw ValidationFailure(loc: ["body", "parent_id"], msg: "A reply can only be regenerated for a user message", type: "value_error")
                        }
                        regenerated = MessageStore.ContextMessage(position: node.position, role: .user, content: node.content)
                    }
                    parentID = id
                }
                position = try await MessageStore.nextPosition(of: conversationID, on: tx)
                if parentID != previousLeaf {
                    try await MessageStore.markBranch(of: conversationID, endingAt: parentID, on: tx)
                }
            }
            var rows: [MessageRow] = []
            var parent = parentID
            for (index, message) in input.messages.enumerated() {
                rows.append(MessageRow(
                    id: newIDs[index], conversationID: conversationID, parentID: parent,
                    role: message.role, content: message.content,
                    position: position + index, createdAt: now))
                parent = newIDs[index]
            }
            rows.append(MessageRow(
                id: replyID, conversationID: conversationID, parentID: parent, role: .assistant, content: "",
                position: position + rows.count, createdAt: now, status: .streaming,
                owner: owner, leaseExpiresAt: now.addingTimeInterval(ReplyStore.lease)))
            try await MessageStore.insert(rows, on: tx)
            // Findable as soon as the turn is stored; the reply is indexed when it ends.
            try await SearchIndex.indexMessages(
                ownerID: userID, conversationID: conversationID,
                rows.filter { $0.status != .streaming }.map { ($0.id, $0.content) }, newTitle: title, on: tx)

            let new = regenerated.map { [LLMMessage(role: .user, content: $0.content)] } ?? input.messages
            let system = systemPrompt.map { [LLMMessage(role: .system, content: $0)] } ?? []
            let history = input.conversationID == nil ? [] : try await recentHistory(
                of: conversationID, before: regenerated?.position ?? position,
                tokens: budget - ContextWindow.estimateTokens(system + new), on: tx)
            let context = ContextWindow.assemble(systemPrompt: systemPrompt, history: history, new: new, budget: budget)
            return Turn(
                userID: userID, conversationID: conversationID, isNewConversation: input.conversationID == nil,
                newMessageIDs: newIDs, replyID: replyID, parentID: parentID, previousLeaf: previousLeaf, title: title,
                acceptedAt: now, previousUpdatedAt: previousUpdatedAt,
                request: LLMRequest(messages: context.messages, model: input.model ?? conversationModel ?? defaultModel,
                                    temperature: input.temperature, maxTokens: maxTokens, stop: input.stop),
                droppedHistory: context.dropped, idempotency: idempotency)
        }
    }

    /// The room a reply gets: what the request asks (else 512), at most half the context budget.
    func maxReplyTokens(_ input: ValidChatRequest) -> Int {
        min(input.maxTokens ?? Self.defaultMaxTokens, max(contextTokens / 2, 1))
    }

    /// What a turn may cost at most, reserved against a budget before it starts: its new
    /// messages' estimate and its reply's room (history is not read yet; it is usually cached
    /// prompt, and the real count replaces this estimate when the reply ends).
    func estimatedCost(_ input: ValidChatRequest) -> Int {
        ContextWindow.estimateTokens(input.messages) + maxReplyTokens(input)
    }

    /// A turn that is not stored: the model sees the server's system prompt (unless the request
    /// brings its own) and the request's messages, as an OpenAI client expects, fitted to the
    /// context budget like any turn. No row is written; the conversation id is a fresh one that
    /// names nothing.
    private func statelessTurn(_ input: ValidChatRequest, userID: UUID, replyID: UUID, maxTokens: Int) -> Turn {
        let ownSystem = input.messages.contains { $0.role == .system }
        let prompt = ownSystem ? nil : systemPrompt
        let lastUser = input.messages.lastIndex { $0.role == .user } ?? max(input.messages.count - 1, 0)
        let history = Array(input.messages[..<lastUser])
        let new = Array(input.messages[lastUser...])
        let context = ContextWindow.assemble(systemPrompt: prompt, history: history, new: new, budget: contextTokens - maxTokens)
        var turn = Turn(
            userID: userID, conversationID: UUID(), isNewConversation: false, newMessageIDs: [], replyID: replyID,
            parentID: nil, previousLeaf: nil, title: nil, acceptedAt: Date(), previousUpdatedAt: nil,
            request: LLMRequest(messages: context.messages, model: input.model ?? defaultModel,
                                temperature: input.temperature, maxTokens: maxTokens, stop: input.stop),
            droppedHistory: context.dropped, idempotency: nil)
        turn.isStored = false
        return turn
    }

    /// The current branch's newest messages before `position` whose estimated size adds up to
    /// `tokens`, oldest first: read newest first in growing pages, so a long conversation costs
    /// what fits, not all it holds. Empty messages (a reply stopped before its first word) are
    /// left out: some providers refuse empty content.
    private func recentHistory(of id: UUID, before position: Int, tokens available: Int, on db: any SQLDatabase) async throws -> [LLMMessage] {
        var newestFirst: [LLMMessage] = []
        var used = 0
        var before = position
        var pageSize = 64
        while used < available {
            let page = try await MessageStore.newestOnBranch(of: id, before: before, limit: pageSize, on: db)
            for message in page where !message.content.isEmpty {
                let history = LLMMessage(role: message.role, content: message.content)
                newestFirst.append(history)
                used += ContextWindow.estimateTokens(history)
            }
            guard page.count == pageSize, let oldest = page.last else { break }
            before = oldest.position
            pageSize *= 2
        }
        return newestFirst.reversed()
    }

    /// Has the provider answer `turn`, handing each piece of text to `onDelta` as it arrives, and
    /// records the provider's latency, time to first token and token counts.
    func generate(_ turn: Turn, onDelta: @escaping @Sendable (String) -> Void) async throws -> LLMCompletion {
        let clock = ContinuousClock()
        let started = clock.now
        let firstToken = NIOLockedValueBox<Duration?>(nil)
        let completion = try await provider.streamReply(to: turn.request) { piece in
            firstToken.withLockedValue { $0 = $0 ?? clock.now - started }
            onDelta(piece)
        }
        let usage = turn.response(text: completion.text, completion: completion).usage
        metrics.record(providerTime: clock.now - started, firstToken: firstToken.withLockedValue { $0 }, usage: usage)
        return completion
    }
}
