import Testing
@testable import Parley

/// How a typed search becomes terms, and how a snippet is cut and highlighted (no database).
@Suite struct SearchQueryTests {
    typealias Term = SearchQuery.Term

    @Test func wordsArePrefixesFoldedWithoutDiacritics() {
        let query = SearchQuery("Pars CRÈME")
        #expect(query.required == [Term(words: ["pars"], isPrefix: true), Term(words: ["creme"], isPrefix: true)])
        #expect(query.excluded.isEmpty)
    }

    @Test func quotesMakePhrasesAndADashExcludes() {
        let query = SearchQuery(#"apple "red  pie" -green -"sour cherry" foo-bar"#)
        #expect(query.required == [
            Term(words: ["apple"], isPrefix: true), Term(words: ["red", "pie"], isPrefix: false),
            Term(words: ["foo", "bar"], isPrefix: false),
        ])
        #expect(query.excluded == [Term(words: ["green"], isPrefix: true), Term(words: ["sour", "cherry"], isPrefix: false)])
    }

    @Test func operatorsOfTheDatabasesAreJustText() {
        #expect(SearchQuery(#"NEAR(a b) OR * : ^x {owner}:"#).required.flatMap(\.words) == ["near", "a", "b", "or", "x", "owner"])
        #expect(SearchQuery(#"" * ( ) : - -- ""#).isEmpty)
        #expect(SearchQuery("-only -excluded").isEmpty)
    }

    @Test func termsAreCapped() {
        let query = SearchQuery((0..<100).map { "w\($0)" }.joined(separator: " "))
        #expect(query.required.count == SearchQuery.maxTerms)
    }

    @Test func snippetsHighlightMatchesInCodePoints() {
        let snippet = SearchSnippet(of: "Le café\nest parsé: Parsing!", for: SearchQuery("pars cafe"))
        #expect(snippet.text == "Le café est parsé: Parsing!")
        #expect(snippet.highlights == [[3, 7], [12, 17], [19, 26]])
    }

    @Test func longTextsAreCutAroundTheFirstMatch() {
        let text = String(repeating: "lorem ipsum ", count: 100) + "needle " + String(repeating: "dolor sit ", count: 100)
        let snippet = SearchSnippet(of: text, for: SearchQuery("needle"))
        let scalars = Array(snippet.text.unicodeScalars)
        #expect(scalars.count <= SearchSnippet.maxLength)
        #expect(snippet.text.hasPrefix("…") && snippet.text.hasSuffix("…"))
        let range = try! #require(snippet.highlights.first)
        #expect(String(String.UnicodeScalarView(scalars[range[0]..<range[1]])) == "needle")
    }

    @Test func phrasesHighlightTheRunOfWords() {
        let snippet = SearchSnippet(of: "red apple, apple red", for: SearchQuery(#""red apple""#))
        #expect(snippet.highlights == [[0, 9]])
    }
}
