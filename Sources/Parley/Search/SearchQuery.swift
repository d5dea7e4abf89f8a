/// A search as the user typed it, parsed into terms. Only two pieces of syntax exist:
/// `"quoted phrases"` and `-` before a word or phrase to exclude it. Everything else (`*`, `:`,
/// parentheses, `NEAR`, `OR`, a lone quote…) is text, split into words like any other; the
/// database query is built from these terms alone, never from the raw input.
struct SearchQuery: Equatable, Sendable {
    /// One thing to find or exclude: a single word found by prefix, or a phrase of exact words
    /// in a row (a quoted phrase, or a typed "word" with punctuation inside such as `foo-bar`).
    struct Term: Equatable, Sendable {
        var words: [String]
        var isPrefix: Bool
    }

    var required: [Term] = []
    var excluded: [Term] = []

    /// More terms than this are ignored: a query stays cheap to run whatever is typed.
    static let maxTerms = 32

    var isEmpty: Bool { required.isEmpty }

    init(_ text: String) {
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace { index = text.index(after: index); continue }
            var negated = false
            var start = index
            if character == "-", text.index(after: index) < text.endIndex, !text[text.index(after: index)].isWhitespace {
                negated = true
                start = text.index(after: index)
            }
            let piece: Substring
            let quoted = text[start] == "\""
            if quoted {
                let open = text.index(after: start)
                let close = text[open...].firstIndex(of: "\"") ?? text.endIndex
                piece = text[open..<close]
                index = close < text.endIndex ? text.index(after: close) : close
            } else {
                let end = text[start...].firstIndex(where: \.isWhitespace) ?? text.endIndex
                piece = text[start..<end]
                index = end
            }
            let words = SearchText.words(in: String(piece)).map(\.folded)
            guard !words.isEmpty, required.count + excluded.count < Self.maxTerms else { continue }
            let term = Term(words: words, isPrefix: !quoted && words.count == 1)
            if negated { excluded.append(term) } else { required.append(term) }
        }
    }
}
