/// Decides what the model sees: the system prompt, as much stored history as fits the budget
/// (newest kept, oldest dropped first), then the new messages, which are never dropped.
enum ContextWindow {
    /// A deliberately generous token estimate, so the real count stays under the budget: one token
    /// per 3 UTF-8 bytes (English averages about 4 per token, other scripts fewer) plus 4 per
    /// message for the chat template's role markers.
    static func estimateTokens(_ message: LLMMessage) -> Int {
        4 + (message.content.utf8.count + 2) / 3
    }

    static func estimateTokens(_ messages: [LLMMessage]) -> Int {
        messages.reduce(0) { $0 + estimateTokens($1) }
    }

    /// - Parameter history: stored messages, oldest first.
    /// - Returns: the messages to send, and how many history messages were left out.
    static func assemble(systemPrompt: String?, history: [LLMMessage], new: [LLMMessage], budget: Int) -> (messages: [LLMMessage], dropped: Int) {
        let system = systemPrompt.map { [LLMMessage(role: .system, content: $0)] } ?? []
        var remaining = budget - estimateTokens(system) - estimateTokens(new)
        var kept: [LLMMessage] = []
        for message in history.reversed() {
            let cost = estimateTokens(message)
            guard cost <= remaining else { break }
            remaining -= cost
            kept.append(message)
        }
        return (system + kept.reversed() + new, history.count - kept.count)
    }
}
