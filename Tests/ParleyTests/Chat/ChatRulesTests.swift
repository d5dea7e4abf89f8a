import Testing
@testable import Parley

@Suite struct ChatRulesTests {
    @Test(arguments: [
        ("Hello there!", "Hello there!"),
        ("  lots   of\n\nspace  ", "lots of space"),
        ("<think>private reasoning</think>Actual question here", "Actual question here"),
        ("<think>never closed", nil),
        ("   ", nil),
        ("Plan a trip to Lisbon in May with two kids, a dog and a very tight budget", "Plan a trip to Lisbon in May with two kids, a dog and a very"),
        (String(repeating: "a", count: 80), String(repeating: "a", count: 60)),
        (String(repeating: "🦜", count: 61), String(repeating: "🦜", count: 60)),
    ] as [(String, String?)])
    func titles(message: String, title: String?) {
        let made = ConversationTitle.from(message)
        #expect(made == title)
        #expect((made?.unicodeScalars.count ?? 0) <= 60)
    }

    @Test func historyIsDroppedOldestFirst() {
        let history = (0..<10).map { LLMMessage(role: $0.isMultiple(of: 2) ? .user : .assistant, content: String(repeating: "h", count: 30) + "\($0)") }
        let new = [LLMMessage(role: .user, content: "now")]
        let perMessage = ContextWindow.estimateTokens(history[0])
        let budget = ContextWindow.estimateTokens(new) + 3 * perMessage
        let result = ContextWindow.assemble(systemPrompt: nil, history: history, new: new, budget: budget)
        #expect(result.messages == Array(history.suffix(3)) + new)
        #expect(result.dropped == 7)

        let withSystem = ContextWindow.assemble(systemPrompt: "sys", history: history, new: new, budget: 0)
        #expect(withSystem.messages == [LLMMessage(role: .system, content: "sys")] + new)
    }
}
