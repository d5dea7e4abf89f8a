import Foundation

/// How search sees text: words of letters and digits, folded to lower case without diacritics.
/// The index and the query both go through here, so they agree on what a word is on SQLite and
/// on PostgreSQL alike (neither database's own word splitting is relied on).
enum SearchText {
    /// A word of a text: its folded form, and where it lies in code points (end exclusive).
    struct Word: Equatable, Sendable {
        var folded: String
        var start: Int
        var end: Int
    }

    /// Longer "words" (base64, hashes) are not indexed: no one types them, and PostgreSQL refuses
    /// lexemes over 2 KiB.
    static let longestWord = 100

    /// The words of `text` in order, with their code-point ranges.
    static func words(in text: String) -> [Word] {
        var words: [Word] = []
        var current = String.UnicodeScalarView()
        var start = 0
        var offset = 0
        func close() {
            if !current.isEmpty, current.count <= longestWord {
                let folded = fold(String(current))
                if !folded.isEmpty { words.append(Word(folded: folded, start: start, end: offset)) }
            }
            current.removeAll()
        }
        for scalar in text.unicodeScalars {
            if isWordScalar(scalar) {
                if current.isEmpty { start = offset }
                current.append(scalar)
            } else {
                close()
            }
            offset += 1
        }
        close()
        return words
    }

    /// Lower case without diacritics: "Été" → "ete". Canonical decomposition, then the combining
    /// marks dropped, as FTS5's `remove_diacritics 2` does.
    static func fold(_ word: String) -> String {
        if word.utf8.allSatisfy({ $0 < 0x80 }) { return word.lowercased() }
        var kept = String.UnicodeScalarView()
        for scalar in word.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            kept.append(scalar)
        }
        return String(kept).lowercased()
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }
}
