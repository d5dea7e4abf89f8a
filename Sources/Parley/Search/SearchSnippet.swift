/// The part of a text a search result shows: at most `maxLength` code points around the first
/// match, on one line, with the code-point ranges of the matched words within it.
struct SearchSnippet: Equatable, Sendable {
    var text: String
    var highlights: [[Int]]

    static let maxLength = Limits.Search.snippetLength
    /// How much text comes before the first match, when the text is longer than a snippet.
    static let lead = 80

    init(text: String, highlights: [[Int]]) {
        self.text = text
        self.highlights = highlights
    }

    init(of text: String, for query: SearchQuery) {
        let words = SearchText.words(in: text)
        let matches = Self.matches(words, query.required)
        let scalars = Array(text.unicodeScalars)
        var start = 0
        if scalars.count > Self.maxLength, let first = matches.first {
            // Start at a word's beginning, `lead` code points or so before the match.
            start = max(0, first.lowerBound - Self.lead)
            if start > 0, let word = words.first(where: { $0.start >= start }) { start = min(word.start, first.lowerBound) }
        }
        let prefix = start > 0 ? "…" : ""
        var end = min(scalars.count, start + Self.maxLength - prefix.unicodeScalars.count)
        let suffix = end < scalars.count ? "…" : ""
        if !suffix.isEmpty { end -= 1 }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: prefix.unicodeScalars)
        // One line: each line break or tab becomes one space, so offsets are kept.
        for scalar in scalars[start..<end] {
            view.append(scalar.properties.isWhitespace ? " " : scalar)
        }
        view.append(contentsOf: suffix.unicodeScalars)
        let shift = prefix.unicodeScalars.count - start
        self.text = String(view)
        self.highlights = matches
            .filter { $0.lowerBound >= start && $0.upperBound <= end }
            .map { [$0.lowerBound + shift, $0.upperBound + shift] }
    }

    /// The code-point ranges of `words` that match a term: a word that begins with a prefix term,
    /// or a run of words equal to a phrase's. Sorted, not overlapping.
    static func matches(_ words: [SearchText.Word], _ terms: [SearchQuery.Term]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        while index < words.count {
            var longest = 0
            for term in terms where index + term.words.count <= words.count {
                let matched = term.isPrefix
                    ? words[index].folded.hasPrefix(term.words[0])
                    : term.words.indices.allSatisfy { words[index + $0].folded == term.words[$0] }
                if matched { longest = max(longest, term.words.count) }
            }
            if longest > 0 {
                ranges.append(words[index].start..<words[index + longest - 1].end)
                index += longest
            } else {
                index += 1
            }
        }
        return ranges
    }
}
